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

/**
 * The bucket an address is counted in: an IPv4 address as it is; an IPv6 address by its /64,
 * the block one subscriber (one home, one VM) gets, so the 2^64 addresses in it share one limit
 * (an IPv4 address written in IPv6, `::ffff:a.b.c.d`, counts as that IPv4 address).
 */
export function rateLimitKey(address: string): string {
  if (!address.includes(":")) return address;
  const groups = ipv6Groups(address.toLowerCase());
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (`::` and a trailing dotted IPv4 expanded), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.split("%")[0]!;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    if (bytes.some((b) => b > 255)) return null;
    text = `${text.slice(0, v4.index)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

type LimiterName = "LOGIN_RATE_LIMITER" | "REGISTER_RATE_LIMITER" | "RESET_RATE_LIMITER";

/** Per-IP limit on one route, counted under `scope` in the named binding. */
export const rateLimit = (limiter: LimiterName, scope: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const { success } = await c.env[limiter].limit({ key: `${scope}:${rateLimitKey(clientIp(c))}` });
    if (!success) throw new RateLimited("too many requests", PERIOD_SECONDS);
    await next();
  });
