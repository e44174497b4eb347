// Shared widget styles. Colours meet WCAG AA (≥ 4.5:1 for text on its background); focus is a
// 3-px outline that is visible on every background. Host pages theme through ::part() and the
// custom properties below.
import { css } from 'lit';

export const base = css`
  :host {
    --mc-fg: #1b1f24;
    --mc-muted: #4a5361;       /* 7.6:1 on white */
    --mc-bg: #ffffff;
    --mc-panel: #f4f6fa;
    --mc-border: #c4cad4;
    --mc-accent: #1f4fb8;      /* 7.1:1 on white */
    --mc-accent-fg: #ffffff;
    --mc-good: #146c2e;        /* 6.5:1 on white */
    --mc-good-bg: #e6f4ea;
    --mc-bad: #a4161a;         /* 7.4:1 on white */
    --mc-bad-bg: #fdecea;
    --mc-focus: #c2410c;
    --mc-radius: 8px;
    display: block;
    color: var(--mc-fg);
    background: var(--mc-bg);
    font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif;
    container-type: inline-size;
  }
  :host([hidden]) { display: none; }
  * { box-sizing: border-box; }
  h2, h3 { margin: 0 0 .5rem; line-height: 1.25; }
  h2 { font-size: 1.15rem; }
  h3 { font-size: 1rem; }
  p { margin: .25rem 0 .5rem; }
  button, input, select {
    font: inherit; color: inherit;
  }
  button {
    border: 2px solid var(--mc-accent); background: var(--mc-bg); color: var(--mc-accent);
    border-radius: var(--mc-radius); padding: .45rem .9rem; cursor: pointer; min-height: 44px;
  }
  button.primary { background: var(--mc-accent); color: var(--mc-accent-fg); }
  button.danger { border-color: var(--mc-bad); color: var(--mc-bad); }
  button.danger.primary { background: var(--mc-bad); color: #fff; }
  button:disabled { cursor: default; opacity: 1; border-color: var(--mc-border); color: var(--mc-muted); background: var(--mc-panel); }
  button:hover:not(:disabled) { filter: brightness(0.95); }
  :focus-visible { outline: 3px solid var(--mc-focus); outline-offset: 2px; }
  input[type=text], select {
    border: 2px solid var(--mc-muted); border-radius: var(--mc-radius); padding: .4rem .6rem; min-height: 44px; background: #fff;
  }
  .panel { background: var(--mc-panel); border: 1px solid var(--mc-border); border-radius: var(--mc-radius); padding: 1rem; }
  .muted { color: var(--mc-muted); }
  .row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .feedback { border-radius: var(--mc-radius); padding: .5rem .75rem; margin: .5rem 0; min-height: 1.5em; }
  .feedback.good { background: var(--mc-good-bg); color: var(--mc-good); font-weight: 600; }
  .feedback.bad { background: var(--mc-bad-bg); color: var(--mc-bad); font-weight: 600; }
  .feedback.hint { background: #fff4d6; color: #5c3d00; }
  .feedback:empty { padding: 0; margin: 0; min-height: 0; }
  .error { color: var(--mc-bad); }
`;
