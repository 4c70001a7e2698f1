import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  type DomainError,
  InvalidCredentials,
  InvalidResetToken,
  LoginThrottled,
  NotLoggedIn,
  RateLimited,
  TooManyAttempts,
  UnknownEmail,
  UserAlreadyExists,
} from "../auth/errors";

/** The one mapping from domain errors to the contract's statuses and messages. */
const domainStatus: ReadonlyArray<[new (...args: never[]) => DomainError, ContentfulStatusCode, string]> = [
  [UserAlreadyExists, 400, "email already registered"],
  [InvalidCredentials, 401, "invalid email or password"],
  [NotLoggedIn, 403, "not logged in"],
  [UnknownEmail, 403, "email not registered"],
  [InvalidResetToken, 403, "invalid reset token"],
  [LoginThrottled, 429, "too many failed logins: try again later"],
  [RateLimited, 429, "too many requests: try again later"],
];

export function errorBody(message: string) {
  return { message };
}

export function onError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) {
    const response = c.json(errorBody(error.message || "request refused"), error.status);
    error.res?.headers.forEach((value, key) => response.headers.set(key, value));
    return response;
  }
  for (const [type, status, message] of domainStatus) {
    if (!(error instanceof type)) continue;
    const response = c.json(errorBody(message), status);
    if (error instanceof TooManyAttempts) response.headers.set("Retry-After", String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
    return response;
  }
  // Anything else is a bug: log it with the request id, answer without details.
  const requestId = c.get("requestId") ?? "unknown";
  console.error(JSON.stringify({ level: "error", requestId, error: error.name, message: error.message, stack: error.stack }));
  return c.json(errorBody("internal error"), 500);
}

export function notFound(c: Context): Response {
  return c.json(errorBody("not found"), 404);
}

/** A 4xx with a JSON message, thrown from handlers and middleware. */
export function badRequest(message: string): HTTPException {
  return new HTTPException(400, { message });
}
