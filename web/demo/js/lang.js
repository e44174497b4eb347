// Sets the page language before first paint: ?lang=zh → Chinese, otherwise English. A classic
// (non-module) external script because the CSP forbids inline script. Nothing is stored: the
// language travels in the URL.
(function () {
  var zh = /^zh/i.test(new URLSearchParams(window.location.search).get('lang') || '');
  document.documentElement.setAttribute('data-lang', zh ? 'zh' : 'en');
  document.documentElement.lang = zh ? 'zh-Hans' : 'en';
})();
