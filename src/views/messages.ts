import { HTTPException } from "hono/http-exception";
import {
  InvalidCredentials,
  InvalidResetToken,
  EmailNotVerified,
  InvalidEmailToken,
  LoginThrottled,
  NoSuchSession,
  NotLoggedIn,
  RateLimited,
  TemporarilyUnavailable,
  TooManyAttempts,
  TooManyPasswordChanges,
  BreachedPassword,
  SecondFactorRequired,
  InvalidCode,
  SecondFactorThrottled,
  PendingLoginExpired,
  TwoFactorAlreadyOn,
  TwoFactorNotOn,
  PasskeyRejected,
  PasskeyExists,
  NoSuchPasskey,
  UnknownClient,
  ReauthenticationRequired,
  UnknownEmail,
  UserAlreadyExists,
  WrongPassword,
  FieldError,
  retryAfterSeconds,
} from "../auth/errors";

/**
 * What the pages say when something fails: the same failures as the API (same statuses), told
 * to a person: what went wrong, what to do, how long to wait, fields by their labels. The API
 * keeps its contract's messages; these are for people reading a page.
 */

const LABELS: Record<string, string> = {
  email: "email address",
  password: "password",
  new_password: "new password",
  reset_token: "reset token",
};

const label = (field: string) => LABELS[field] ?? field.replaceAll("_", " ");

/** "45 seconds", "1 minute", "5 minutes": how long a person is asked to wait. */
export function duration(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? "1 second" : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

function fieldMessage(error: FieldError): string {
  const name = label(error.field);
  switch (error.problem) {
    case "required":
      return error.field === "reset_token" ? "Enter the reset token." : `Enter your ${name}.`;
    case "invalid email":
      return "Enter a valid email address, like name@example.com: no spaces, hidden characters, quotes or names, and none of < > ( ) [ ] , ; : \\.";
    case "too short":
      return `Your ${name} must be at least ${error.limit} characters long.`;
    case "too long":
      if (error.field === "email") return `That email address is too long: at most ${error.limit} characters.`;
      if (error.field === "reset_token") return "That is not a reset token: copy it again, exactly as it was given to you.";
      return `Your ${name} is too long: passwords can be at most ${error.limit} bytes (${error.limit} plain letters, fewer with accents or emoji). Choose a shorter one.`;
    default:
      return "This form could not be read. Reload the page and try again.";
  }
}

/** The sentence a page shows for a failure the API would answer with `status`. */
export function pageMessage(error: unknown, status: number, options: { resetTokenMinutes: number }): string {
  if (error instanceof FieldError) return fieldMessage(error);
  if (error instanceof UserAlreadyExists) {
    return "An account with this email address already exists. Log in, or reset your password if you have forgotten it.";
  }
  if (error instanceof WrongPassword) return "That is not your current password. Try again, or reset your password.";
  if (error instanceof InvalidCredentials) {
    return "The email address or the password is wrong. Check both and try again, or reset your password.";
  }
  if (error instanceof LoginThrottled) {
    return `Too many failed attempts to log in to this account. Wait ${duration(retryAfterSeconds(error))} and try again, or reset your password.`;
  }
  if (error instanceof BreachedPassword) {
    return "This password has appeared in a data breach, so attackers try it first. Choose another one (a few unrelated words make a good one).";
  }
  if (error instanceof SecondFactorRequired)
    return "Your account has two-factor sign-in on: enter the code from your authenticator app (or a recovery code) too.";
  if (error instanceof InvalidCode)
    return "That code is not right, or was used already. Enter the code your app shows now (it changes every 30 seconds).";
  if (error instanceof SecondFactorThrottled) {
    return `Too many wrong codes for this account. Wait ${duration(retryAfterSeconds(error))} and try again.`;
  }
  if (error instanceof PendingLoginExpired) return "This login took too long or had too many wrong codes. Log in again with your password.";
  if (error instanceof TwoFactorAlreadyOn) return "Two-factor sign-in is already on. Turn it off first to set up another app.";
  if (error instanceof TwoFactorNotOn) return "Two-factor sign-in is off for your account.";
  if (error instanceof PasskeyRejected) return "That passkey could not be used. Try again, or use your password.";
  if (error instanceof PasskeyExists) return "That passkey is registered already.";
  if (error instanceof UnknownClient)
    return "This sign-in link is not valid: the app that sent you here, or the address it wants you back at, is not registered with this service. Go back to the app and try again, or tell its makers.";
  if (error instanceof NoSuchPasskey) return "That passkey is not one of yours any more: it may have been removed already.";
  if (error instanceof ReauthenticationRequired) return "Confirm it is you first: this is a sensitive change.";
  if (error instanceof TooManyPasswordChanges) {
    return `Your password was changed several times in the last hour. Wait ${duration(retryAfterSeconds(error))} before changing it again.`;
  }
  if (error instanceof RateLimited || error instanceof TooManyAttempts) {
    return `Too many requests from your network. Wait ${duration(retryAfterSeconds(error))} and try again.`;
  }
  if (error instanceof EmailNotVerified) {
    return "Your address is not verified yet: open the link in the mail we sent when you registered, or get a new one below.";
  }
  if (error instanceof InvalidEmailToken) {
    return "This link does not work: it may be old (links work for 24 hours), already used, or replaced by a newer one. Ask for a new one.";
  }
  if (error instanceof NotLoggedIn) return "You are not logged in, or your session has ended. Log in and try again.";
  if (error instanceof NoSuchSession) return "That session is not one of yours any more: it may have ended already.";
  if (error instanceof UnknownEmail) return "No account uses this email address. Check it for typos, or create an account.";
  if (error instanceof InvalidResetToken) {
    return `This reset token does not work: it may be mistyped, already used, older than ${options.resetTokenMinutes} minutes, or for another email address. Ask for a new one.`;
  }
  if (error instanceof TemporarilyUnavailable) {
    return "The service could not finish this just now (a short database outage). Please try again in a moment.";
  }
  if (error instanceof HTTPException) {
    if (status === 403) return "This form was sent from another site, so it was refused. Open this page on its own site and try again.";
    if (status === 413) return "That was more than this form accepts. Shorten what you typed and try again.";
    if (status === 503) return "The service is unavailable right now. Please try again in a few minutes.";
    if (status === 400) return "This form could not be read. Reload the page and try again.";
  }
  return "Something went wrong. Please try again in a moment.";
}
