import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";

/**
 * One JSON line per request, for `wrangler dev` and `wrangler tail`: method, path, status,
 * duration and request id. Never the query string, body, cookies or headers, which is where
 * passwords, tokens and session ids travel.
 */
export const requestLog = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    // Read before the settings are checked: a refused configuration is still logged per request.
    // String(): wrangler.toml may hold the TOML boolean false as well as the string "false".
    if (String(c.env.LOG_REQUESTS) === "false") return next();
    const started = Date.now();
    await next();
    console.log(
      JSON.stringify({
        level: c.res.status >= 500 ? "error" : "info",
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        // Workers clocks only move across I/O, so this is the time spent waiting on D1 and peers.
        durationMs: Date.now() - started,
      }),
    );
  });
