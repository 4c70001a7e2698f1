import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { call, loggedIn, sessionCookieOf, uniqueEmail } from "../helpers";
import { secretOf, totp } from "../totp";

/** A logged-in user with two-factor on: the app's secret and the recovery codes. */
export async function withTwoFactor(password = "pw") {
  const account = await loggedIn(uniqueEmail("2fa"), password);
  const begun = await call("POST", "/profile/two-factor", { cookie: account.cookie, form: { password } });
  expect(begun.status).toBe(200);
  const { otpauth_uri } = (await begun.json()) as { otpauth_uri: string };
  const secret = secretOf(otpauth_uri);
  const confirmed = await call("POST", "/profile/two-factor/confirm", { cookie: account.cookie, form: { code: await totp(secret) } });
  expect(confirmed.status).toBe(200);
  const { recovery_codes } = (await confirmed.json()) as { recovery_codes: string[] };
  return { ...account, password, secret, otpauthUri: otpauth_uri, recoveryCodes: recovery_codes };
}

/** The pending_login cookie a login sets, as a Cookie header. */
export function pendingCookieOf(response: Response): string {
  const value = /(?:^|,\s*)pending_login=([^;]*)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
  expect(value, "a pending_login cookie").toBeTruthy();
  return `pending_login=${value}`;
}

/** Logs in with the password: the 401 that asks for a second factor, and its pending cookie. */
export async function passwordStep(email: string, password: string, headers: Record<string, string> = {}) {
  const response = await call("POST", "/sessions", { form: { email, password }, headers });
  return { response, cookie: response.status === 401 && response.headers.get("set-cookie") ? pendingCookieOf(response) : "" };
}

/** Makes the next code check possible now (the throttle allows one a second). */
export async function skipCodeWait(email: string) {
  await env.DB.prepare("UPDATE totp_credentials SET blocked_until = NULL WHERE user_id = (SELECT id FROM users WHERE email = ?)")
    .bind(email)
    .run();
}

export { sessionCookieOf };
