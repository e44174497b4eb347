// Language switch for the bundled explanation pages. Each page holds an English and a Chinese
// <section>; this shows English by default and Chinese for ?lang=zh. It is an external file
// because the demo's Content-Security-Policy (script-src 'self') forbids inline script.
// Without JavaScript both sections stay visible, one after the other.
(function () {
  var param = new URLSearchParams(window.location.search).get('lang') || '';
  var zh = /^zh/i.test(param);
  var root = document.documentElement;
  root.setAttribute('data-lang', zh ? 'zh' : 'en');
  root.lang = zh ? 'zh-Hans' : 'en';

  document.addEventListener('DOMContentLoaded', function () {
    var section = document.querySelector('section[lang="' + root.lang + '"]');
    var heading = section && section.querySelector('h1');
    if (heading) document.title = heading.textContent + ' · metacog';
    if (!zh) return;
    // Keep the reader's language when they go back to the demo or open another page.
    var links = document.querySelectorAll('a[href]');
    for (var i = 0; i < links.length; i++) {
      var href = links[i].getAttribute('href');
      if (/^[^?#:]+\.html$/.test(href)) links[i].setAttribute('href', href + '?lang=zh');
    }
  });
})();
