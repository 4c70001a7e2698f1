/**
 * Errors the data layer throws. They live here, not in auth/, so that db/ imports nothing from
 * the layers above it; auth/errors.ts re-exports them with the rest of the domain errors.
 */
/**
 * Each subclass names itself (`name`), because the bundle is minified without keeping names
 * (keep_names wraps every function Hono makes per request: a quarter of GET /'s CPU time): log
 * lines must still read `UserAlreadyExists`, never a minified `_e`.
 */
export class DomainError extends Error {
  override readonly name: string = "DomainError";
}

/** No row matched a lookup (SQLAlchemy's NoResultFound). */
export class NoResultFound extends DomainError {
  override readonly name: string = "NoResultFound";
}

/** A lookup named no column, an unknown column, or a value that cannot be matched. */
export class InvalidRequestError extends DomainError {
  override readonly name: string = "InvalidRequestError";
}

/** An update named a column that users does not have (Python's ValueError in the original). */
export class UnknownColumnError extends DomainError {
  override readonly name: string = "UnknownColumnError";
}

/** Registration of an email that already has an account. */
export class UserAlreadyExists extends DomainError {
  override readonly name: string = "UserAlreadyExists";
  constructor(readonly email: string) {
    super(`User ${email} already exists`);
  }
}

/**
 * D1 failed for a reason that is not the request's (see resilience.ts) and retrying here could
 * not help or was not safe. `method` is the DB method, for the tests and the log, never shown.
 */
export class TemporarilyUnavailable extends DomainError {
  override readonly name: string = "TemporarilyUnavailable";
  constructor(readonly method: string) {
    super("database temporarily unavailable");
  }
}

/** A WebAuthn credential that is registered already (to this user or another). */
export class PasskeyExists extends DomainError {
  override readonly name: string = "PasskeyExists";
}
