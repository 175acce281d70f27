import type { Analyst } from '../auth.ts';
import { Html, h } from './html.ts';

// Inline styles only (the CSP allows 'unsafe-inline' for style-src and nothing for scripts).
const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}
header{background:#14213d;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center}
header a{color:#fff}header .who{margin-left:auto}
main{max-width:60rem;margin:1.5rem auto;padding:0 1.2rem}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0 1rem}
th,td{border:1px solid #d5d8dd;padding:.35rem .5rem;text-align:left;vertical-align:top}
code{word-break:break-all}
.banner{padding:.6rem .9rem;border-radius:4px;margin:1rem 0;background:#e8eefc;border:1px solid #9db1e6}
.banner.bad{background:#fdecea;border-color:#e7a39c}.banner.good{background:#e7f5ea;border-color:#8cc79b}
.status{font-weight:bold;text-transform:uppercase}
button{padding:.4rem 1rem;margin-right:.5rem}
textarea{width:100%;max-width:40rem}
`;

export interface PageOptions {
  title: string;
  analyst?: Analyst | undefined;
  body: Html;
}

export function page({ title, analyst, body }: PageOptions): Html {
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · Vigil</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<header><strong>Vigil</strong><nav><a href="/incidents">Incidents</a> <a href="/approvals">Approvals</a> <a href="/metrics">Metrics</a> <a href="/health">Health</a></nav>${
    analyst ? h`<span class="who">${analyst.name} (${analyst.id})</span>` : ''
  }</header>
<main>
${body}
</main>
</body>
</html>`;
}

/** A page that only says something: errors, refusals. */
export function messagePage(title: string, message: string, analyst?: Analyst, extra?: Html): Html {
  return page({ title, analyst, body: h`<h1>${title}</h1><p>${message}</p>${extra}` });
}
