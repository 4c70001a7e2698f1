import type { Context } from "hono";

/**
 * The response headers every answer carries. These are the values Hono's `secureHeaders` sends
 * with the options we used to give it (test/security-headers.test.ts compares the two), written
 * out once here so one pass after the handler sets them all: `secureHeaders` is one middleware
 * layer per request and a second pass over the headers, about a tenth of GET /'s time in workerd.
 */
const COMMON: ReadonlyArray<readonly [string, string]> = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "SAMEORIGIN"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
  // Answers carry session cookies, reset tokens and account pages: no cache may keep them.
  ["Cache-Control", "no-store"],
];

/** Everything else is JSON or plain pages: inline CSS and forms, no scripts, no other origins. */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** /docs runs Swagger UI from this Worker's own static assets: scripts from 'self' only. */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/**
 * The pages that use passkeys run one script, the site's own /passkeys.js (WebAuthn needs
 * JavaScript): scripts and fetches from 'self' there, and only there.
 */
const PASSKEY_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
export const PASSKEY_PAGES = new Set(["/account/login", "/account/passkeys", "/account/reauthenticate"]);

/**
 * The CSP and Referrer-Policy of this request's answer. "same-origin", not "no-referrer": other
 * sites get no referrer, and a page's own form posts carry its Origin, which the CSRF guard
 * checks. A page opened from a mailed link (its token in the query string) sends none at all,
 * so the token never leaves in a Referer (to an image, a link followed...).
 */
function policies(c: Context): [csp: string, referrer: string] {
  const path = c.req.path;
  if (path === "/docs") return [DOCS_CSP, "same-origin"];
  if (PASSKEY_PAGES.has(path)) return [PASSKEY_CSP, "same-origin"];
  // No query string (GET /, GET /profile...): nothing to parse. With one, Hono decodes its keys
  // (`?%74oken=` is `token` too).
  if (c.req.method === "GET" && c.req.url.includes("?") && c.req.query("token") !== undefined) return [PAGE_CSP, "no-referrer"];
  return [PAGE_CSP, "same-origin"];
}

/**
 * Sets the security headers, Cache-Control and X-Request-Id on the finished answer, in place when
 * its headers can change (a Response from fetch() has immutable ones: it is copied first).
 * `formTargets`: origins a page's forms may end up at (an OAuth client's redirect URI): Chromium
 * applies form-action to the redirects that follow a form post, so they join 'self' there.
 */
export function setResponseHeaders(c: Context, requestId: string, formTargets: string[] | undefined): void {
  let [csp, referrer] = policies(c);
  if (formTargets?.length) csp = csp.replace("form-action 'self'", `form-action 'self' ${formTargets.join(" ")}`);
  let headers = c.res.headers;
  try {
    headers.set("Content-Security-Policy", csp);
  } catch {
    c.res = new Response(c.res.body, c.res);
    headers = c.res.headers;
    headers.set("Content-Security-Policy", csp);
  }
  headers.set("Referrer-Policy", referrer);
  for (const [name, value] of COMMON) headers.set(name, value);
  headers.set("X-Request-Id", requestId);
}
