import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";

export const SESSION_COOKIE = "session_id";
/** Remembers that this client has logged in before (see loginDevices in src/db/schema.ts). */
export const DEVICE_COOKIE = "device";
/** A year: the client keeps its own login throttle as long as it logs in once a year. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/** Secure whenever the request came over https; plain http on localhost keeps working. */
function cookieOptions(c: Context): CookieOptions {
  return { path: "/", httpOnly: true, sameSite: "Lax", secure: new URL(c.req.url).protocol === "https:" };
}

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

export function setSessionCookie(c: Context, sessionId: string, maxAgeSeconds: number): void {
  setCookie(c, SESSION_COOKIE, sessionId, { ...cookieOptions(c), maxAge: maxAgeSeconds });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
}

export function readDeviceCookie(c: Context): string | undefined {
  return getCookie(c, DEVICE_COOKIE);
}

export function setDeviceCookie(c: Context, deviceToken: string): void {
  setCookie(c, DEVICE_COOKIE, deviceToken, { ...cookieOptions(c), maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS });
}
