import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./context";
import { isClientEndpoint } from "./oauth";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests that a browser says come from another site: a foreign
 * `Origin`, or `Sec-Fetch-Site: cross-site` without an origin listed in ALLOWED_ORIGINS. Clients
 * that send neither (curl, servers) pass, since they carry no ambient browser cookies to abuse.
 */
export const csrfGuard = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    // The OAuth client endpoints take no cookie: client credentials, PKCE or a bearer token.
    if (!SAFE_METHODS.has(c.req.method) && !isClientEndpoint(c)) {
      const origin = c.req.header("origin");
      const fetchSite = c.req.header("sec-fetch-site");
      // A page sent with `Referrer-Policy: no-referrer` (the ones a mailed link opens) makes the
      // browser send `Origin: null` on its own form post; Sec-Fetch-Site, which pages cannot
      // set, still says it came from this origin.
      const sameOriginNull = origin === "null" && fetchSite === "same-origin";
      const trusted =
        sameOriginNull || (origin !== undefined && (origin === new URL(c.req.url).origin || c.var.config.allowedOrigins.includes(origin)));
      if (!trusted && (origin !== undefined || fetchSite === "cross-site")) {
        throw new HTTPException(403, { message: "cross-site request refused" });
      }
    }
    await next();
  });
