import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";

/**
 * CORS, with credentials, for exactly the origins in ALLOWED_ORIGINS (a separate front end), so
 * its browser can send preflights and read answers. Any other origin gets no Access-Control-*
 * header at all (Hono's cors alone would still send some on every preflight), and a preflight
 * from it is answered like any OPTIONS request: 405.
 */
const allowed = cors({
  origin: (origin) => origin,
  credentials: true,
  allowMethods: ["GET", "POST", "PUT", "DELETE"],
  allowHeaders: ["Content-Type"],
  exposeHeaders: ["Retry-After", "X-Request-Id"],
  maxAge: 600,
});

export const corsForAllowedOrigins = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && c.var.config.allowedOrigins.includes(origin)) return allowed(c, next);
    await next();
  });
