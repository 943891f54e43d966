import { css } from 'lit';

/**
 * The look every component shares, all of it overridable by the embedding
 * page through CSS custom properties (they inherit into shadow roots) and
 * ::part(). Defaults meet WCAG AA contrast on white: text #1f2328 (15.8:1),
 * muted #57606a (6.2:1), accent #0a58a8 with white text (6.9:1), danger #b42318 (6.5:1).
 */
export const theme = css`
  :host {
    --_font: var(--burndown-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_text: var(--burndown-color-text, #1f2328);
    --_muted: var(--burndown-color-muted, #57606a);
    --_bg: var(--burndown-color-background, #ffffff);
    --_surface: var(--burndown-color-surface, #f6f8fa);
    --_border: var(--burndown-color-border, #d0d7de);
    --_accent: var(--burndown-color-accent, #0a58a8);
    --_on-accent: var(--burndown-color-on-accent, #ffffff);
    --_danger: var(--burndown-color-danger, #b42318);
    --_success: var(--burndown-color-success, #1a7f37);
    --_radius: var(--burndown-radius, 8px);
    --_gap: var(--burndown-spacing, 12px);
    display: block;
    font-family: var(--_font);
    color: var(--_text);
    font-size: var(--burndown-font-size, 15px);
    line-height: 1.45;
  }
  .card {
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: var(--_gap);
  }
  h2,
  h3 {
    font-size: 1.05em;
    margin: 0 0 calc(var(--_gap) / 2);
  }
  .muted {
    color: var(--_muted);
  }
  .error {
    color: var(--_danger);
  }
  .ok {
    color: var(--_success);
  }
  button {
    font: inherit;
    cursor: pointer;
    border-radius: calc(var(--_radius) - 2px);
    border: 1px solid var(--_accent);
    background: var(--_accent);
    color: var(--_on-accent);
    padding: 6px 12px;
    min-height: 32px;
  }
  button.secondary {
    background: var(--_bg);
    color: var(--_accent);
  }
  button:disabled {
    opacity: 0.6;
    cursor: not-allowed;
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  a:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  input,
  select,
  textarea {
    font: inherit;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_muted);
    border-radius: calc(var(--_radius) - 2px);
    padding: 4px 8px;
    min-height: 30px;
  }
  label {
    display: inline-flex;
    flex-direction: column;
    gap: 2px;
    font-size: 0.9em;
    color: var(--_muted);
  }
  table {
    border-collapse: collapse;
    width: 100%;
    font-size: 0.92em;
  }
  th,
  td {
    text-align: left;
    padding: 6px 8px;
    border-bottom: 1px solid var(--_border);
    vertical-align: top;
  }
  th {
    color: var(--_muted);
    font-weight: 600;
  }
  td.num,
  th.num {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .row {
    display: flex;
    gap: var(--_gap);
    flex-wrap: wrap;
    align-items: flex-end;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
