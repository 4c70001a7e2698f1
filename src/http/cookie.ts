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

/**
 * The session cookie, with COOKIE_DOMAIN when set: the team's sibling hosts then see it (and
 * can check it over the service binding). Only the session cookie: the others stay host-only.
 */
function sessionCookieOptions(c: Context): CookieOptions {
  const domain = (c.var as { config?: { cookieDomain?: string } }).config?.cookieDomain;
  return domain ? { ...cookieOptions(c), domain } : cookieOptions(c);
}

export function setSessionCookie(c: Context, sessionId: string, maxAgeSeconds: number): void {
  setCookie(c, SESSION_COOKIE, sessionId, { ...sessionCookieOptions(c), maxAge: maxAgeSeconds });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c));
}

export function readDeviceCookie(c: Context): string | undefined {
  return getCookie(c, DEVICE_COOKIE);
}

export function setDeviceCookie(c: Context, deviceToken: string): void {
  setCookie(c, DEVICE_COOKIE, deviceToken, { ...cookieOptions(c), maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS });
}

/** A login waiting for its second factor (two-factor on): the pending login's secret, 5 minutes. */
export const PENDING_LOGIN_COOKIE = "pending_login";
/** The WebAuthn challenge this browser asked for (its secret), 5 minutes, single use. */
export const CHALLENGE_COOKIE = "webauthn_challenge";

export function readPendingLoginCookie(c: Context): string | undefined {
  return getCookie(c, PENDING_LOGIN_COOKIE);
}

export function setPendingLoginCookie(c: Context, secret: string, maxAgeSeconds: number): void {
  setCookie(c, PENDING_LOGIN_COOKIE, secret, { ...cookieOptions(c), maxAge: maxAgeSeconds });
}

export function clearPendingLoginCookie(c: Context): void {
  deleteCookie(c, PENDING_LOGIN_COOKIE, cookieOptions(c));
}

export function readChallengeCookie(c: Context): string | undefined {
  return getCookie(c, CHALLENGE_COOKIE);
}

export function setChallengeCookie(c: Context, secret: string, maxAgeSeconds: number): void {
  setCookie(c, CHALLENGE_COOKIE, secret, { ...cookieOptions(c), maxAge: maxAgeSeconds });
}

export function clearChallengeCookie(c: Context): void {
  deleteCookie(c, CHALLENGE_COOKIE, cookieOptions(c));
}

/**
 * A login that needs a second factor is refused (SecondFactorRequired) with the pending login's
 * secret: the refusal carries it to the browser in a cookie, never in the body.
 */
export async function keepingPendingLogin<T>(c: Context, login: Promise<T>, maxAgeSeconds: number): Promise<T> {
  try {
    return await login;
  } catch (error) {
    const pendingSecret = (error as { pendingSecret?: unknown }).pendingSecret;
    if (typeof pendingSecret === "string") setPendingLoginCookie(c, pendingSecret, maxAgeSeconds);
    throw error;
  }
}
