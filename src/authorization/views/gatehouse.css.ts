/** The pages' only stylesheet, served from /assets/gatehouse.css (no external resources). */
export const GATEHOUSE_CSS = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5b6577; --bg: #f4f6fa; --card: #fff;
  --line: #d9dee8; --accent: #2f5bd3; --accent-fg: #fff; --danger: #b42318; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #a3acbd; --bg: #12151c;
  --card: #1b2029; --line: #2e3542; --accent: #6d8ff0; --accent-fg: #0d1017; --danger: #f97066; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg);
  color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.card { width: min(420px, 92vw); background: var(--card); border: 1px solid var(--line);
  border-radius: 12px; padding: 28px 28px 24px; box-shadow: 0 8px 24px rgba(0,0,0,.06); }
.brand { margin: 0 0 8px; font-weight: 700; letter-spacing: .02em; color: var(--accent); }
h1 { font-size: 1.35rem; margin: 0 0 16px; }
p { margin: 0 0 14px; }
.muted { color: var(--muted); font-size: .92rem; }
label { display: block; font-weight: 600; margin: 14px 0 6px; }
input[type=text], input[type=password], input[type=email] { width: 100%; padding: 10px 12px;
  border: 1px solid var(--line); border-radius: 8px; font: inherit; background: transparent; color: inherit; }
input:focus, button:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
.actions { display: flex; gap: 10px; margin-top: 20px; }
button { flex: 1; padding: 10px 14px; border-radius: 8px; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-fg); font: inherit; font-weight: 600; cursor: pointer; }
button.secondary { background: transparent; color: var(--fg); border-color: var(--line); }
.error { border: 1px solid var(--danger); color: var(--danger); border-radius: 8px; padding: 10px 12px; margin: 0 0 14px; }
ul.scopes { padding-left: 20px; margin: 0 0 14px; }
a { color: var(--accent); }
.footer { margin-top: 16px; }
h2 { font-size: 1.05rem; margin: 20px 0 10px; }
.notice { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; margin: 0 0 14px; }
.qr svg { display: block; width: 200px; height: 200px; margin: 0 auto 14px; }
code.secret { word-break: break-all; }
ul.codes { columns: 2; padding-left: 20px; font-family: ui-monospace, monospace; }
`;

/** A gate in a rounded square, in the accent colour. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f5bd3"/><path d="M9 25V13a7 7 0 0 1 14 0v12" fill="none" stroke="#fff" stroke-width="3"/><path d="M16 13v12" stroke="#fff" stroke-width="2"/></svg>`;
