import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { sha256Hex } from "../../src/auth/tokens";
import { call, type CallOptions, secretOf } from "../helpers";
import { assert, type Authenticator, newAuthenticator, register } from "../webauthn";

/** The origin the tests' PUBLIC_URL (the local default) makes: the relying party is `localhost`. */
export const ORIGIN = "http://localhost:8787";

/** The webauthn_challenge cookie a response sets, as a Cookie header. */
export function challengeCookieOf(response: Response): string {
  const value = /(?:^|,\s*)webauthn_challenge=([^;]*)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
  expect(value, "a webauthn_challenge cookie").toBeTruthy();
  return `webauthn_challenge=${value}`;
}

/** Joins Cookie headers (`a=1`, `b=2`) into one. */
export const cookies = (...parts: (string | undefined)[]) => parts.filter(Boolean).join("; ");

export interface CreationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string; displayName: string };
  excludeCredentials: { id: string; type: string }[];
  authenticatorSelection: Record<string, unknown>;
  pubKeyCredParams: { type: string; alg: number }[];
}

/** Asks for creation options as `session` (a Cookie header): the options and the challenge cookie. */
export async function creationOptions(session: string, extra: CallOptions = {}) {
  const response = await call("POST", "/profile/passkeys/options", { ...extra, cookie: session });
  expect(response.status).toBe(200);
  return { options: (await response.json()) as CreationOptions, challenge: challengeCookieOf(response) };
}

/** Adds a passkey to the account of `session`: the authenticator, and the 201's body. */
export async function addPasskey(session: string, authenticator?: Authenticator, origin = ORIGIN, extra: CallOptions = {}) {
  const key = authenticator ?? (await newAuthenticator());
  const { options, challenge } = await creationOptions(session, extra);
  const response = await call("POST", "/profile/passkeys", {
    ...extra,
    cookie: cookies(session, challenge),
    json: await register(key, options, origin),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return { authenticator: key, passkey: (await response.json()) as { id: string; name: string; backed_up: boolean }, options };
}

/** Sign-in request options: the options and the challenge cookie. */
export async function requestOptions(extra: CallOptions = {}) {
  const response = await call("POST", "/sessions/passkey/options", extra);
  expect(response.status).toBe(200);
  return {
    options: (await response.json()) as { challenge: string; rpId: string } & Record<string, unknown>,
    challenge: challengeCookieOf(response),
  };
}

/** The user handle (base64url of the public id's bytes) of the account with `email`. */
export async function userHandleOf(email: string): Promise<string> {
  const row = await env.DB.prepare("SELECT public_id FROM users WHERE email = ?").bind(email).first<{ public_id: string }>();
  const bytes = Uint8Array.from(row!.public_id.match(/../g)!.map((h) => parseInt(h, 16)));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Signs in with the passkey: the response (200 and a session cookie when it worked). */
export async function signInWith(authenticator: Authenticator, handle: string | null, change: Parameters<typeof assert>[4] = {}) {
  const { options, challenge } = await requestOptions();
  const credential = await assert(authenticator, options, ORIGIN, handle, change);
  return { response: await call("POST", "/sessions/passkey", { cookie: challenge, json: credential }), credential, challenge };
}

/** Makes the session's last proof of presence `seconds` old (as if the login were that long ago). */
export async function ageProof(sessionCookie: string, seconds: number) {
  const at = Math.floor(Date.now() / 1000) - seconds;
  const { meta } = await env.DB.prepare("UPDATE sessions SET created_at = ?, reauthenticated_at = NULL WHERE secret_hash = ?")
    .bind(at, await sha256Hex(secretOf(sessionCookie)))
    .run();
  expect(meta.changes).toBe(1);
}

/** The users a response's fresh device token is remembered for (by its digest): exactly one, the owner. */
export async function deviceOwners(response: Response): Promise<string[]> {
  const token = /(?:^|,\s*)device=([^;]*)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
  expect(token, "a device cookie").toBeTruthy();
  const { results } = await env.DB.prepare(
    "SELECT users.email FROM login_devices JOIN users ON users.id = login_devices.user_id WHERE token_hash = ?",
  )
    .bind(await sha256Hex(token!))
    .all<{ email: string }>();
  return results.map((row) => row.email);
}
