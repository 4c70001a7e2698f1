import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  DomainError,
  FieldError,
  EmailNotVerified,
  InvalidEmailToken,
  InvalidCredentials,
  InvalidResetToken,
  LoginThrottled,
  NoSuchSession,
  NotLoggedIn,
  RateLimited,
  TemporarilyUnavailable,
  TooManyAttempts,
  TooManyPasswordChanges,
  UnknownEmail,
  BreachedPassword,
  SecondFactorRequired,
  InvalidCode,
  SecondFactorThrottled,
  PendingLoginExpired,
  ReauthenticationRequired,
  TwoFactorAlreadyOn,
  TwoFactorNotOn,
  PasskeyRejected,
  NoSuchPasskey,
  UnknownClient,
  PasskeyExists,
  UserAlreadyExists,
  WrongPassword,
  retryAfterSeconds,
} from "../auth/errors";
import { logLine, summarizeError } from "../log";

export { FieldError, type FieldProblem, retryAfterSeconds } from "../auth/errors";

export type DomainErrorClass = new (...args: never[]) => DomainError;

/**
 * The one mapping from domain errors to the contract's statuses and messages, with what each
 * means in words for the API reference (routes document their errors from this table).
 */
const domainStatus: ReadonlyArray<[DomainErrorClass, ContentfulStatusCode, string, string]> = [
  [UserAlreadyExists, 400, "email already registered", "The email address has an account already."],
  [InvalidCredentials, 401, "invalid email or password", "Unknown email address or wrong password (the two are not told apart)."],
  [WrongPassword, 401, "invalid password", "The password given is not the account's (it counts in the login backoff)."],
  [NotLoggedIn, 403, "not logged in", "No `session_id` cookie, or one that names no live session."],
  [NoSuchSession, 404, "no such session", "None of your live sessions has this id."],
  [UnknownEmail, 403, "email not registered", "No account has this email address."],
  [InvalidResetToken, 403, "invalid reset token", "The token is unknown, expired, already used or not this address's."],
  [InvalidEmailToken, 403, "invalid or expired link", "The link's token is unknown, expired or already used."],
  [
    EmailNotVerified,
    403,
    "email not verified: follow the link in the verification mail, or ask for a new one",
    "REQUIRE_EMAIL_VERIFICATION is on and this address is not verified yet (`POST /verify_email/resend` sends a new link).",
  ],
  [
    LoginThrottled,
    429,
    "too many failed logins: try again later",
    "Logins to this account are paused after failures; wait `Retry-After` seconds.",
  ],
  [RateLimited, 429, "too many requests: try again later", "Over this route's per-IP limit; wait `Retry-After` seconds."],
  [
    BreachedPassword,
    400,
    "this password has appeared in a data breach; choose another",
    "The new password is in the Pwned Passwords list (BREACHED_PASSWORD_CHECK).",
  ],
  [
    SecondFactorRequired,
    401,
    "second factor required",
    'The password was right and the account has two-factor on: `second_factor` lists what finishes it (`["totp", "recovery_code"]`). A login also sets a `pending_login` cookie for `POST /sessions/two-factor`; other actions take `code` (or `recovery_code`) with the password.',
  ],
  [
    InvalidCode,
    401,
    "invalid code",
    "The TOTP or recovery code is wrong, already used, or malformed (it counts in the second-factor backoff).",
  ],
  [
    SecondFactorThrottled,
    429,
    "too many wrong codes: try again later",
    "Codes for this account are paused after wrong ones; wait `Retry-After` seconds.",
  ],
  [PendingLoginExpired, 401, "login expired: log in again", "No pending login for this cookie (it lasts 5 minutes and 5 codes)."],
  [
    ReauthenticationRequired,
    403,
    "confirm it is you",
    "This action needs a proof newer than REAUTH_WINDOW_SECONDS: `POST /profile/reauthenticate`, then again (`reauthenticate: true`).",
  ],
  [TwoFactorAlreadyOn, 400, "two-factor is already on", "Turn it off first (`DELETE /profile/two-factor`)."],
  [TwoFactorNotOn, 400, "two-factor is not on", "There is no authenticator to confirm or turn off."],
  [
    PasskeyRejected,
    400,
    "passkey not accepted",
    "The WebAuthn response did not verify (challenge, origin, relying party, signature or flags).",
  ],
  [NoSuchPasskey, 404, "no such passkey", "None of your passkeys has this id."],
  [
    UnknownClient,
    400,
    "unknown client or redirect URI",
    "An authorization request whose client_id or redirect_uri is not registered: a page, never a redirect.",
  ],
  [PasskeyExists, 400, "passkey registered already", "This authenticator's credential is registered already."],
  [
    TooManyPasswordChanges,
    429,
    "too many password changes: try again later",
    "The account changed its password 5 times this hour (each change mails a notice); wait `Retry-After` seconds.",
  ],
  [
    TemporarilyUnavailable,
    503,
    "temporarily unavailable, try again",
    'The database failed for a moment and the request could not be finished safely; wait `Retry-After` seconds and send it again (docs/reliability.md, "When the database fails").',
  ],
];

/** Seconds a client is asked to wait after a 503 from a database failure: D1's blips are short. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/** Status and message an error of this class is answered with, and what it means (docs). */
export function httpErrorOf(
  error: DomainError | DomainErrorClass,
): { status: ContentfulStatusCode; message: string; meaning: string } | undefined {
  for (const [type, status, message, meaning] of domainStatus) {
    if (error === type || error instanceof type) return { status, message, meaning };
  }
  return undefined;
}

export function errorBody(message: string) {
  return { message };
}

export interface Failure {
  status: ContentfulStatusCode;
  message: string;
  headers: Record<string, string>;
  /** Fields the JSON answer carries beside `message` (`second_factor`, `reauthenticate`). */
  fields?: Record<string, unknown>;
}

/**
 * What an error means over HTTP: status, message and headers, for expected failures; undefined
 * for anything else (a bug). The JSON API and the HTML pages both render from this.
 */
export function failureOf(error: unknown): Failure | undefined {
  if (error instanceof HTTPException) {
    const headers: Record<string, string> = {};
    error.res?.headers.forEach((value, key) => (headers[key] = value));
    return { status: error.status as ContentfulStatusCode, message: error.message || "request refused", headers };
  }
  // A field's 400 says which field and what is wrong with it: its own message.
  if (error instanceof FieldError) return { status: 400, message: error.message, headers: {} };
  const known = error instanceof DomainError ? httpErrorOf(error) : undefined;
  if (!known) return undefined;
  const headers: Record<string, string> =
    error instanceof TooManyAttempts
      ? { "Retry-After": String(retryAfterSeconds(error)) }
      : error instanceof TemporarilyUnavailable
        ? { "Retry-After": String(UNAVAILABLE_RETRY_AFTER_SECONDS) }
        : {};
  const fields = (error as { fields?: Record<string, unknown> }).fields;
  return { ...known, headers, ...(fields ? { fields } : {}) };
}

/**
 * Logs an unexpected error with the request id; the client only ever sees a generic 500. The
 * line holds the error's class, the failed SQL with placeholders and D1's codes, never a
 * message (see src/log.ts: Drizzle puts parameter values there).
 */
export function logUnexpected(error: unknown, c: Context): void {
  logLine("error", { requestId: c.get("requestId") ?? "unknown", ...summarizeError(error) });
}

export function onError(error: Error, c: Context): Response {
  const failure = failureOf(error);
  if (failure) return c.json({ ...errorBody(failure.message), ...failure.fields }, failure.status, failure.headers);
  logUnexpected(error, c);
  return c.json(errorBody("internal error"), 500);
}

export function notFound(c: Context): Response {
  return c.json(errorBody("not found"), 404);
}

/** A 4xx with a JSON message, thrown from handlers and middleware. */
export function badRequest(message: string): HTTPException {
  return new HTTPException(400, { message });
}

/** Retry-After of a ServiceUnavailable: a fix takes a deploy, so clients need not ask often. */
export const MISCONFIGURED_RETRY_AFTER_SECONDS = 60;

/**
 * The service cannot answer right now for a reason that is not the client's (a setting it cannot
 * run with). The answer says nothing more; the reason goes to the log. Like every 503 it says
 * when to ask again.
 */
export class ServiceUnavailable extends HTTPException {
  override readonly name: string = "ServiceUnavailable";
  constructor(readonly reason: string) {
    super(503, {
      message: "service unavailable",
      res: new Response(null, { headers: { "Retry-After": String(MISCONFIGURED_RETRY_AFTER_SECONDS) } }),
    });
  }
}
