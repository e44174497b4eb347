// Layout of <metacog-practice>: exercise beside the side panels on wide hosts, stacked on narrow.
import { css } from 'lit';

export const practiceStyles = css`
  .layout { display: grid; gap: 1rem; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); align-items: start; }
  @container (max-width: 720px) { .layout { grid-template-columns: minmax(0, 1fr); } }
  .main, .side { display: grid; gap: 1rem; min-width: 0; }
  .small { font-size: .875rem; }
  .prompt { font-size: 1.3rem; margin: .25rem 0 1rem; }
  .badge { display: inline-block; border: 1px solid var(--mc-muted); border-radius: 999px; padding: 0 .5rem; font-size: .8rem; color: var(--mc-fg); background: var(--mc-bg); }
  .choices { display: grid; grid-template-columns: repeat(auto-fit, minmax(8rem, 1fr)); gap: .5rem; margin-bottom: .5rem; }
  .choice { font-size: 1.1rem; text-align: center; }
  .choice.right:disabled { border-color: var(--mc-good); color: var(--mc-good); background: var(--mc-good-bg); font-weight: 700; }
  .choice.wrong:disabled { border-color: var(--mc-bad); color: var(--mc-bad); background: var(--mc-bad-bg); text-decoration: line-through; }
  .numeric input { width: 10rem; font-size: 1.1rem; }
  .next { margin: .25rem 0 .75rem; }
  .why { border-top: 1px solid var(--mc-border); margin-top: .75rem; padding-top: .75rem; }
  .why h3 { font-size: .95rem; }
  .bars, .resources { list-style: none; margin: 0; padding: 0; display: grid; gap: .6rem; }
  .bars li.current .bar-label span:first-child { font-weight: 700; }
  .bar-label { display: flex; justify-content: space-between; gap: .5rem; font-size: .9rem; }
  .bar { height: .6rem; background: #dde2ea; border-radius: 999px; overflow: hidden; border: 1px solid var(--mc-border); }
  .fill { display: block; width: 100%; height: 100%; }
  .fill rect { fill: var(--mc-accent); }
  .delta.up { color: var(--mc-good); font-weight: 700; }
  .delta.down { color: var(--mc-bad); font-weight: 700; }
  .path { margin: 0; padding-left: 1.25rem; display: grid; gap: .5rem; }
  summary { cursor: pointer; display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem; list-style: revert; }
  [part~="data"] > h2 { margin: 0 0 .25rem; }
  .confirm { margin-top: .75rem; border: 2px solid var(--mc-bad); border-radius: var(--mc-radius); padding: .75rem; background: var(--mc-bad-bg); }
  a { color: var(--mc-accent); }
`;
