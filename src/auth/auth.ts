import type { DB } from "../db/db";
import type { User } from "../db/schema";
import { Accounts } from "./account";
import { EmailAddresses } from "./email";
import type { ClientInfo } from "./flow";
import type { AuthOptions } from "./options";
import { Passwords } from "./passwords";
import { PasswordReset } from "./reset";
import { type CurrentSession, type SessionInfo, Sessions } from "./sessions";
import { generateToken } from "./tokens";

export type { ClientInfo } from "./flow";
export type { AuthOptions } from "./options";
export type { CurrentSession, SessionInfo } from "./sessions";
export { SESSION_REFRESH_INTERVAL_SECONDS, sessionRefreshIntervalSeconds } from "./sessions";
export { EMAIL_TOKEN_LIFETIME_SECONDS } from "./email";

/**
 * The one entry the routes use: the flows of auth/ composed over one request's database. Each
 * method says which flow does the work; the seed's names (the Flask original's Auth class:
 * registerUser, validLogin, createSession, getUserFromSessionId, destroySession,
 * getResetPasswordToken, updatePassword) keep their meaning.
 */
export class Auth {
  #passwords?: Passwords;
  #sessions?: Sessions;
  #reset?: PasswordReset;
  #email?: EmailAddresses;
  #accounts?: Accounts;

  constructor(
    private readonly db: DB,
    private readonly options: AuthOptions,
  ) {}

  // Each flow is made on first use: a request needs one or two.
  get passwords(): Passwords {
    return (this.#passwords ??= new Passwords(this.db, this.options));
  }

  get sessions(): Sessions {
    return (this.#sessions ??= new Sessions(this.db, this.options, this.passwords));
  }

  get reset(): PasswordReset {
    return (this.#reset ??= new PasswordReset(this.db, this.options, this.passwords));
  }

  get email(): EmailAddresses {
    return (this.#email ??= new EmailAddresses(this.db, this.options, this.passwords));
  }

  get accounts(): Accounts {
    return (this.#accounts ??= new Accounts(this.db, this.options, this.passwords));
  }

  // --- Passwords (passwords.ts) -------------------------------------------------------------

  /** A salted `$2b$` bcrypt hash, readable by Python's bcrypt. */
  hashPassword(password: string): Promise<string> {
    return this.passwords.hashPassword(password);
  }

  /** True only for a known email with its password. Does not count failures (see logIn). */
  validLogin(email: string, password: string): Promise<boolean> {
    return this.passwords.validLogin(email, password);
  }

  /** A fresh token in the UUID v4 shape the seed's clients expect. */
  generateUuid(): string {
    return generateToken();
  }

  changePassword(...args: Parameters<Passwords["changePassword"]>): Promise<string> {
    return this.passwords.changePassword(...args);
  }

  // --- Sessions (sessions.ts) ---------------------------------------------------------------

  logIn(...args: Parameters<Sessions["logIn"]>): ReturnType<Sessions["logIn"]> {
    return this.sessions.logIn(...args);
  }

  createSession(email: string, client?: ClientInfo): Promise<string | null> {
    return this.sessions.createSession(email, client);
  }

  getSession(secret: string | null | undefined): Promise<CurrentSession | null> {
    return this.sessions.getSession(secret);
  }

  getUserFromSessionId(sessionId: string | null | undefined): Promise<User | null> {
    return this.sessions.getUserFromSessionId(sessionId);
  }

  destroySession(userId: number): Promise<void> {
    return this.sessions.destroySession(userId);
  }

  endSession(sessionId: string | null | undefined): Promise<boolean> {
    return this.sessions.endSession(sessionId);
  }

  listSessions(current: CurrentSession): Promise<SessionInfo[]> {
    return this.sessions.listSessions(current);
  }

  endSessionById(current: CurrentSession, sessionId: string): Promise<void> {
    return this.sessions.endSessionById(current, sessionId);
  }

  endOtherSessions(current: CurrentSession): Promise<number> {
    return this.sessions.endOtherSessions(current);
  }

  endAllSessions(current: CurrentSession): Promise<number> {
    return this.sessions.endAllSessions(current);
  }

  // --- Password reset (reset.ts) ------------------------------------------------------------

  getResetPasswordToken(email: string): Promise<string> {
    return this.reset.getResetPasswordToken(email);
  }

  requestPasswordReset(email: string): Promise<void> {
    return this.reset.requestPasswordReset(email);
  }

  updatePassword(resetToken: string, password: string, email?: string, client?: ClientInfo): Promise<void> {
    return this.reset.updatePassword(resetToken, password, email, client);
  }

  // --- Addresses: verification and change (email.ts) ----------------------------------------

  requestEmailChange(...args: Parameters<EmailAddresses["requestEmailChange"]>): Promise<void> {
    return this.email.requestEmailChange(...args);
  }

  cancelEmailChange(token: string): Promise<void> {
    return this.email.cancelEmailChange(token);
  }

  confirmEmailChange(token: string, client?: ClientInfo): Promise<string> {
    return this.email.confirmEmailChange(token, client);
  }

  revertEmailChange(token: string, newPassword: string, client?: ClientInfo): Promise<string> {
    return this.email.revertEmailChange(token, newPassword, client);
  }

  resendVerification(email: string): Promise<void> {
    return this.email.resendVerification(email);
  }

  verifyEmail(token: string): Promise<string> {
    return this.email.verifyEmail(token);
  }

  // --- Accounts (account.ts) ----------------------------------------------------------------

  registerUser(email: string, password: string): Promise<User> {
    return this.accounts.registerUser(email, password);
  }

  deleteAccount(...args: Parameters<Accounts["deleteAccount"]>): Promise<void> {
    return this.accounts.deleteAccount(...args);
  }

  cleanUp(limitPerRound?: number, maxRounds?: number): ReturnType<Accounts["cleanUp"]> {
    return this.accounts.cleanUp(limitPerRound, maxRounds);
  }
}
