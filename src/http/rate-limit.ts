import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { RateLimited } from "../auth/errors";
import type { AppEnv } from "./context";

/** The Workers Rate Limiting API only counts per 10 s or per 60 s; all ours are per minute. */
const PERIOD_SECONDS = 60;

/**
 * The client's address. On Cloudflare, CF-Connecting-IP is set by the edge and cannot be forged.
 * Locally (wrangler dev, npm run serve) it is whatever the client sends, and requests without it
 * share one bucket rather than going unlimited. No other header is trusted: clients set them.
 */
export function clientIp(c: Context): string {
  return c.req.header("cf-connecting-ip") ?? "unknown";
}

type LimiterName = "LOGIN_RATE_LIMITER" | "REGISTER_RATE_LIMITER" | "RESET_RATE_LIMITER";

/** Per-IP limit on one route, counted under `scope` in the named binding. */
export const rateLimit = (limiter: LimiterName, scope: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const { success } = await c.env[limiter].limit({ key: `${scope}:${clientIp(c)}` });
    if (!success) throw new RateLimited("too many requests", PERIOD_SECONDS);
    await next();
  });
