/**
 * Domain errors. Inner layers throw these; src/http/errors.ts is the one place that turns them
 * into HTTP statuses. Names follow the Flask/SQLAlchemy original so readers of it find them.
 */
export {
  DomainError,
  InvalidRequestError,
  NoResultFound,
  PasskeyExists,
  TemporarilyUnavailable,
  UnknownColumnError,
  UserAlreadyExists,
} from "../db/errors";
import { DomainError } from "../db/errors";

/** A password reset was asked for an email that has no account. */
export class UnknownEmail extends DomainError {
  override readonly name: string = "UnknownEmail";
}

/** A reset token that is unknown, expired, already used, or not the given user's. */
export class InvalidResetToken extends DomainError {
  override readonly name: string = "InvalidResetToken";
}

/** Wrong password or unknown email: the two are never told apart. */
export class InvalidCredentials extends DomainError {
  override readonly name: string = "InvalidCredentials";
}

/** The password given to change the password, the address or delete the account is not the user's. */
export class WrongPassword extends DomainError {
  override readonly name: string = "WrongPassword";
}

/** No session cookie, or one that names no live session. */
export class NotLoggedIn extends DomainError {
  override readonly name: string = "NotLoggedIn";
}

/** A session id that is not one of the user's live sessions (another user's looks the same). */
export class NoSuchSession extends DomainError {
  override readonly name: string = "NoSuchSession";
}

/** What is wrong with one field: the API says it in its contract's words, the pages in a person's. */
export type FieldProblem = "required" | "repeated" | "not a string" | "not text" | "too long" | "too short" | "invalid email";

/**
 * A 400 about one named field: its message is the API's answer as it is (`email is required`),
 * `problem` (and `limit`, the bound a "too long"/"too short" broke) what the pages say instead.
 */
export class FieldError extends DomainError {
  override readonly name: string = "FieldError";
  constructor(
    readonly field: string,
    readonly problem: FieldProblem,
    message: string,
    readonly limit?: number,
  ) {
    super(message);
  }
}

/** Too many attempts: the client may try again after `retryAfterSeconds`. */
export class TooManyAttempts extends DomainError {
  override readonly name: string = "TooManyAttempts";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Consecutive failed logins put the account in backoff. */
export class LoginThrottled extends TooManyAttempts {
  override readonly name: string = "LoginThrottled";
}

/**
 * The account changed its password PASSWORD_CHANGES_PER_HOUR times this hour: each change mails
 * a notice, which is never dropped, so the changes themselves wait.
 */
export class TooManyPasswordChanges extends TooManyAttempts {
  override readonly name: string = "TooManyPasswordChanges";
}

/** A client IP went over a route's rate limit. */
export class RateLimited extends TooManyAttempts {
  override readonly name: string = "RateLimited";
}

/** A verification or address-change token that is unknown, expired or already used. */
export class InvalidEmailToken extends DomainError {
  override readonly name: string = "InvalidEmailToken";
}

/** REQUIRE_EMAIL_VERIFICATION is on and the account's address has not been verified yet. */
export class EmailNotVerified extends DomainError {
  override readonly name: string = "EmailNotVerified";
}

/** Whole seconds to wait, at least 1, as Retry-After says it. */
export function retryAfterSeconds(error: TooManyAttempts): number {
  return Math.max(1, Math.ceil(error.retryAfterSeconds));
}

/** A new password that is in the Pwned Passwords list (src/auth/breached.ts). */
export class BreachedPassword extends DomainError {
  override readonly name: string = "BreachedPassword";
}

/** The kinds of second factor a pending login can be finished with. */
export const SECOND_FACTORS = ["totp", "recovery_code"] as const;

/**
 * The right password for an account with two-factor on: no session yet. A login answers this
 * with a short-lived cookie for the pending login; other actions ask for `code` with the password.
 */
export class SecondFactorRequired extends DomainError {
  override readonly name: string = "SecondFactorRequired";
  readonly fields = { second_factor: [...SECOND_FACTORS] };
  /** For a login: the pending login's secret, which the answer puts in a cookie (never in the body). */
  constructor(
    message: string,
    readonly pendingSecret?: string,
  ) {
    super(message);
  }
}

/** A wrong, reused or malformed TOTP or recovery code. */
export class InvalidCode extends DomainError {
  override readonly name: string = "InvalidCode";
}

/** Wrong codes put the account's second factor in backoff (a right password does not end it). */
export class SecondFactorThrottled extends TooManyAttempts {
  override readonly name: string = "SecondFactorThrottled";
}

/** No pending login for this cookie (none, expired, used, or out of tries): log in again. */
export class PendingLoginExpired extends DomainError {
  override readonly name: string = "PendingLoginExpired";
}

/** A sensitive action needs a proof of presence newer than REAUTH_WINDOW_SECONDS. */
export class ReauthenticationRequired extends DomainError {
  override readonly name: string = "ReauthenticationRequired";
  readonly fields = { reauthenticate: true };
}

/** Two-factor is on already (turn it off first), or not on (nothing to turn off or confirm). */
export class TwoFactorAlreadyOn extends DomainError {
  override readonly name: string = "TwoFactorAlreadyOn";
}
export class TwoFactorNotOn extends DomainError {
  override readonly name: string = "TwoFactorNotOn";
}

/** A WebAuthn response that does not verify (origin, challenge, signature, flags...). */
export class PasskeyRejected extends DomainError {
  override readonly name: string = "PasskeyRejected";
}

/** A passkey id that is not one of the user's passkeys (another user's looks the same). */
export class NoSuchPasskey extends DomainError {
  override readonly name: string = "NoSuchPasskey";
}

/**
 * An OAuth 2.0 / OpenID Connect error (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1): `error` is the
 * standard's code, the message its `error_description`. The /oauth/* endpoints answer it in
 * OAuth's shape, not the API's `{"message"}`.
 */
export class OAuthError extends DomainError {
  override readonly name: string = "OAuthError";
  constructor(
    readonly error: string,
    description: string,
    readonly status: 400 | 401 = 400,
  ) {
    super(description);
  }
}

/** An authorization request that names no registered client or redirect URI: a page, never a redirect. */
export class UnknownClient extends DomainError {
  override readonly name: string = "UnknownClient";
}
