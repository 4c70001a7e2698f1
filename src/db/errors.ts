/**
 * Errors the data layer throws. They live here, not in auth/, so that db/ imports nothing from
 * the layers above it; auth/errors.ts re-exports them with the rest of the domain errors.
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

/**
 * D1 failed for a reason that is not the request's (see resilience.ts) and retrying here could
 * not help or was not safe. `method` is the DB method, for the tests and the log, never shown.
 */
export class TemporarilyUnavailable extends DomainError {
  constructor(readonly method: string) {
    super("database temporarily unavailable");
  }
}

/** A WebAuthn credential that is registered already (to this user or another). */
export class PasskeyExists extends DomainError {}
