import type { Child } from "hono/jsx";

/** Inline styles: the pages load nothing from anywhere (no CDN, no scripts). */
const css = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;background:#f3f5f9}
main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(20,30,60,.08)}
main.wide{max-width:56rem}
h1{font-size:1.5rem;margin:0 0 1.25rem}
h2{font-size:1.1rem;margin:2rem 0 .5rem}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input{width:100%;padding:.6rem .7rem;border:1px solid #c5ccd8;border-radius:8px;font:inherit}
input:focus{outline:2px solid #3d63dd;border-color:#3d63dd}
button{margin-top:1.25rem;width:100%;padding:.7rem;border:0;border-radius:8px;background:#3d63dd;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button:hover{background:#2f4fb8}
.alert{padding:.75rem 1rem;border-radius:8px;margin:0 0 1rem}
.error{background:#fdecec;color:#8a1c1c;border:1px solid #f5c2c2}
.notice{background:#e8f6ee;color:#185c37;border:1px solid #bfe5cf}
.links{margin-top:1.5rem;font-size:.95rem;display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}
a{color:#3d63dd}
code,.token{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9rem;background:#f1f3f8;padding:.1rem .3rem;border-radius:4px;word-break:break-all}
.token{display:block;padding:.6rem;margin:.5rem 0}
.muted{color:#5b6475;font-size:.92rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.93rem}
th,td{border-bottom:1px solid #e3e7ee;padding:.4rem .5rem;text-align:left;vertical-align:top}
.method{font-weight:700;text-transform:uppercase;font-family:ui-monospace,monospace}
.menu{padding-left:1.2rem;margin:1rem 0}
.menu li{margin:.3rem 0}
form.inline button{margin:0;padding:.3rem .7rem;width:auto;font-size:.9rem}
button.danger{background:#b42318}
button.danger:hover{background:#8f1c13}
form.inline button,td.this{white-space:nowrap}
.or{text-align:center;color:#5b6475;margin:1.25rem 0 0}
button.secondary{background:#eef1f8;color:#1d2433;border:1px solid #c5ccd8}
button.secondary:hover{background:#e2e7f2}
.qr{display:block;width:220px;max-width:100%;margin:.5rem auto}
.codes{columns:2;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;padding-left:1.2rem}
@media (max-width:600px){
main{margin:0;border-radius:0;padding:1.25rem}
#sessions,#sessions tbody,#sessions tr,#sessions td{display:block;width:100%}
#sessions tr:first-child{display:none}
#sessions tr{padding:.6rem 0;border-bottom:1px solid #e3e7ee}
#sessions td{border:0;padding:.1rem 0}
#sessions td[data-label]::before{content:attr(data-label) ": ";color:#5b6475}
#sessions td.device{font-weight:600}
}
`;

/**
 * The page around every page. `passkeys`: the page runs the site's own /passkeys.js (WebAuthn
 * needs JavaScript; its CSP allows scripts from 'self' on those pages only).
 */
export function Layout(props: { title: string; wide?: boolean; passkeys?: boolean; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title === "edge-auth" ? props.title : `${props.title} · edge-auth`}</title>
        <style>{css}</style>
        {props.passkeys && <script src="/passkeys.js" defer></script>}
      </head>
      <body>
        <main class={props.wide ? "wide" : undefined}>{props.children}</main>
      </body>
    </html>
  );
}

export function Alerts(props: { error?: string; notice?: string }) {
  return (
    <>
      {props.error && (
        <p class="alert error" role="alert">
          {props.error}
        </p>
      )}
      {props.notice && (
        <p class="alert notice" role="status">
          {props.notice}
        </p>
      )}
    </>
  );
}
