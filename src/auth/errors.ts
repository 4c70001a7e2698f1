/**
 * Domain errors. Inner layers throw these; src/http/errors.ts is the one place that turns them
 * into HTTP statuses. Names follow the Flask/SQLAlchemy original so readers of it find them.
 */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No row matched a lookup (SQLAlchemy's NoResultFound). */
export class NoResultFound extends DomainError {}

/** A lookup named no column, an unknown column, or a value that cannot be matched. */
export class InvalidRequestError extends DomainError {}

/** An update named a column that users does not have (Python's ValueError in the original). */
export class UnknownColumnError extends DomainError {}

/** Registration of an email that already has an account. */
export class UserAlreadyExists extends DomainError {
  constructor(readonly email: string) {
    super(`User ${email} already exists`);
  }
}

/** A password reset was asked for an email that has no account. */
export class UnknownEmail extends DomainError {}

/** A reset token that is unknown, expired, already used, or not the given user's. */
export class InvalidResetToken extends DomainError {}

/** Wrong password or unknown email: the two are never told apart. */
export class InvalidCredentials extends DomainError {}

/** No session cookie, or one that names no live session. */
export class NotLoggedIn extends DomainError {}

/** Too many attempts: the client may try again after `retryAfterSeconds`. */
export class TooManyAttempts extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Consecutive failed logins put the account in backoff. */
export class LoginThrottled extends TooManyAttempts {}

/** A client IP went over a route's rate limit. */
export class RateLimited extends TooManyAttempts {}
