import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";
import { setResponseHeaders } from "./security-headers";

/**
 * The outermost middleware, one layer for what every answer gets: our own request id (never one
 * a client chose: it is what logs and reports key on), the response headers (security-headers.ts)
 * and one JSON log line per request for `wrangler dev` and `wrangler tail`: method, path,
 * status, duration and request id. Never the query string, body, cookies or headers, which is
 * where passwords, tokens and session ids travel. One layer rather than four: each Hono
 * middleware that works after `next()` costs GET / several percent of its throughput.
 */
export const requestEdge = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const requestId = crypto.randomUUID();
    c.set("requestId", requestId);
    // Read before the settings are checked: a refused configuration is still logged per request.
    // String(): wrangler.toml may hold the TOML boolean false as well as the string "false".
    const log = String(c.env.LOG_REQUESTS) !== "false";
    const started = log ? Date.now() : 0;
    await next();
    setResponseHeaders(c, requestId, c.get("formTargets"));
    if (!log) return;
    console.log(
      JSON.stringify({
        level: c.res.status >= 500 ? "error" : "info",
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        // Workers clocks only move across I/O, so this is the time spent waiting on D1 and peers.
        durationMs: Date.now() - started,
      }),
    );
  });
