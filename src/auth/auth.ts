import type { DB } from "../db/db";
import type { SessionCheck } from "../db/sessions";
import type { User } from "../db/schema";
import { Accounts } from "./account";
import { EmailAddresses } from "./email";
import type { ClientInfo } from "./flow";
import type { AuthOptions } from "./options";
import { Passwords } from "./passwords";
import { PasswordReset } from "./reset";
import { OAuthAuthorize } from "./oauth-authorize";
import { OAuthTokens } from "./oauth-tokens";
import { Passkeys } from "./passkeys";
import { SocialSignIn } from "./social";
import { type CodeInput, SecondFactor } from "./second-factor";
import { type CurrentSession, type SessionInfo, Sessions } from "./sessions";
import { TwoFactor } from "./two-factor";
import type { CredentialJSON } from "./webauthn";
import { generateToken } from "./tokens";

export type { ClientInfo } from "./flow";
export type { AuthOptions } from "./options";
export type { CurrentSession, SessionInfo } from "./sessions";
export { SESSION_REFRESH_INTERVAL_SECONDS, sessionRefreshIntervalSeconds } from "./sessions";
export { EMAIL_TOKEN_LIFETIME_SECONDS } from "./email";

/** What POST /profile/reauthenticate takes: one of a password, a code, or a passkey assertion. */
export interface ReauthProof extends CodeInput {
  password?: string;
  deviceToken?: string;
  credential?: CredentialJSON;
  challengeSecret?: string;
}

/**
 * The one entry the routes use: the flows of auth/ composed over one request's database. Each
 * method says which flow does the work; the seed's names (the Flask original's Auth class:
 * registerUser, validLogin, createSession, getUserFromSessionId, destroySession,
 * getResetPasswordToken, updatePassword) keep their meaning.
 */
export class Auth {
  #secondFactor?: SecondFactor;
  #passwords?: Passwords;
  #sessions?: Sessions;
  #reset?: PasswordReset;
  #email?: EmailAddresses;
  #accounts?: Accounts;
  #twoFactor?: TwoFactor;
  #passkeys?: Passkeys;
  #oauthAuthorize?: OAuthAuthorize;
  #oauthTokens?: OAuthTokens;
  #social?: SocialSignIn;

  constructor(
    private readonly db: DB,
    private readonly options: AuthOptions,
  ) {}

  // Each flow is made on first use: a request needs one or two.
  get secondFactor(): SecondFactor {
    return (this.#secondFactor ??= new SecondFactor(this.db, this.options));
  }

  get passwords(): Passwords {
    return (this.#passwords ??= new Passwords(this.db, this.options, this.secondFactor));
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

  get twoFactor(): TwoFactor {
    return (this.#twoFactor ??= new TwoFactor(this.db, this.options, this.passwords, this.secondFactor));
  }

  /** The OpenID provider's authorization endpoint, consent and connected apps. */
  get oauthAuthorize(): OAuthAuthorize {
    return (this.#oauthAuthorize ??= new OAuthAuthorize(this.db, this.options));
  }

  /** The OpenID provider's token, userinfo and revocation endpoints. */
  get oauthTokens(): OAuthTokens {
    return (this.#oauthTokens ??= new OAuthTokens(this.db, this.options));
  }

  /** Signing in with GitHub, Google or another OpenID provider; linking and unlinking them. */
  get social(): SocialSignIn {
    return (this.#social ??= new SocialSignIn(this.db, this.options));
  }

  get passkeys(): Passkeys {
    return (this.#passkeys ??= new Passkeys(this.db, this.options));
  }

  /**
   * A fresh proof of presence for the current session, by any one means: the password, a code
   * (when two-factor is on), or a passkey assertion (against this browser's challenge). Sensitive
   * actions then go through for REAUTH_WINDOW_SECONDS (Flow.requireRecentProof).
   */
  async reauthenticate(current: CurrentSession, proof: ReauthProof, client: ClientInfo = {}): Promise<void> {
    if (proof.credential) {
      // Marks the session in the batch that records the passkey's use.
      await this.passkeys.reauthenticate(current, proof.credential, proof.challengeSecret);
    } else if (proof.password !== undefined) {
      const { user, trustedDeviceHash } = await this.passwords.verifyOwnPassword(current.user.email, proof.password, proof.deviceToken);
      // A proof, not a login: the right password ends its claim's backoff as the session is marked.
      await this.sessions.markReauthenticated(current, { userId: user.id, trustedDeviceHash });
    } else {
      await this.secondFactor.requireCode(current.user, proof, client);
      await this.sessions.markReauthenticated(current);
    }
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

  /** A live session's id and deadlines and its user's public names (fewer columns than getSession). */
  checkSession(secret: string | null | undefined): Promise<SessionCheck | null> {
    return this.sessions.checkSession(secret);
  }

  getSession(secret: string | null | undefined): Promise<CurrentSession | null> {
    return this.sessions.getSession(secret);
  }

  getUserFromSessionId(sessionId: string | null | undefined): Promise<SessionCheck["user"] | null> {
    return this.sessions.getUserFromSessionId(sessionId);
  }

  /** The address of a live session's user, or null (GET /profile: three columns read). */
  emailOfSession(secret: string | null | undefined): Promise<string | null> {
    return this.sessions.emailOfSession(secret);
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
