import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./context";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests that a browser says come from another site: a foreign
 * `Origin`, or `Sec-Fetch-Site: cross-site` without an origin listed in ALLOWED_ORIGINS. Clients
 * that send neither (curl, servers) pass, since they carry no ambient browser cookies to abuse.
 */
export const csrfGuard = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header("origin");
      const trusted = origin !== undefined && (origin === new URL(c.req.url).origin || c.var.config.allowedOrigins.includes(origin));
      if (!trusted && (origin !== undefined || c.req.header("sec-fetch-site") === "cross-site")) {
        throw new HTTPException(403, { message: "cross-site request refused" });
      }
    }
    await next();
  });
