import bcrypt from "bcryptjs";
import type { DB } from "../db/db";
import type { Session, User } from "../db/schema";
import { countryCode, deviceLabel } from "./device-label";
import { isPlainAddress } from "./email";
import {
  EmailNotVerified,
  InvalidCredentials,
  InvalidEmailToken,
  InvalidResetToken,
  LoginThrottled,
  NoResultFound,
  NoSuchSession,
  UnknownEmail,
  UserAlreadyExists,
  WrongPassword,
} from "./errors";
import type { AuthEvent, ChangeOrigin, Notify } from "./events";
import { addressDigest, constantTimeEqual, generateToken, isToken, randomId, sha256Hex } from "./tokens";

export interface AuthOptions {
  /** bcrypt work factor (log2 rounds). */
  bcryptCost: number;
  sessionLifetimeSeconds: number;
  sessionIdleTimeoutSeconds: number;
  resetTokenLifetimeSeconds: number;
  /** Longest wait between login attempts after repeated failures. */
  loginBackoffMaxSeconds: number;
  /** A user's sessions beyond this many (least recently used first) end at the next login. */
  maxSessionsPerUser: number;
  /** `response`: POST /reset_password answers with the token (the seed's contract); `email`: only mail has it. */
  resetTokenDelivery: "response" | "email";
  /** Logging in needs a verified address. */
  requireEmailVerification: boolean;
  /** Mail can be sent: verification links and notices go out (MAIL_TRANSPORT is not "none"). */
  sendsMail: boolean;
  /** Where messages go (src/mail, after the answer); nothing is sent without it. */
  notify?: Notify;
  /** Unix seconds; tests move the clock. */
  now?: () => number;
}

/** Where a request comes from, as far as a session list shows it. */
export interface ClientInfo {
  userAgent?: string;
  /** Cloudflare's request.cf.country. */
  country?: unknown;
}

/** A live session and its user, as a request presents it (its cookie's secret). */
export interface CurrentSession {
  user: User;
  session: Session;
}

/** A session as its owner sees it in a list. */
export interface SessionInfo {
  id: string;
  device: string | null;
  country: string | null;
  createdAt: number;
  lastUsedAt: number;
  current: boolean;
}

/**
 * The idle deadline (and last use) moves at most this often, so most reads of a session write
 * nothing: an hour, or a tenth of the idle timeout when that is shorter, so that a session in
 * use never reaches an idle deadline it should have moved past.
 */
export const SESSION_REFRESH_INTERVAL_SECONDS = 3600;

export function sessionRefreshIntervalSeconds(idleTimeoutSeconds: number): number {
  return Math.min(SESSION_REFRESH_INTERVAL_SECONDS, Math.floor(idleTimeoutSeconds / 10));
}

/** How long a link sent to prove an address (verification, address change) works. */
export const EMAIL_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/**
 * One throwaway hash per cost, made once per isolate: a derived constant, not state. Unknown
 * emails are compared against it so they cost the same bcrypt work as a wrong password.
 */
const dummyHashes = new Map<number, Promise<string>>();

/** A password checked under the login throttle: who, and which remembered client asked. */
interface Verified {
  user: User;
  /** The digest of the device token presented, when it is remembered for this account. */
  trustedDeviceHash?: string;
}

/** Passwords, sessions and reset tokens, on top of the DB layer. */
export class Auth {
  constructor(
    private readonly db: DB,
    private readonly options: AuthOptions,
  ) {}

  /** A salted `$2b$` bcrypt hash, readable by Python's bcrypt. */
  hashPassword(password: string): Promise<string> {
    return bcrypt.hash(password, this.options.bcryptCost);
  }

  /**
   * Throws UserAlreadyExists (`User <email> already exists`) for a taken email. When mail is on,
   * the new address gets a verification link (its token stored in the same round trip).
   */
  async registerUser(email: string, password: string): Promise<User> {
    const hashedPassword = await this.hashPassword(password);
    if (!this.options.sendsMail) return this.db.addUser(email, hashedPassword);
    const link = await this.newLink(EMAIL_TOKEN_LIFETIME_SECONDS);
    const { user, linked } = await this.db.registerUser(email, hashedPassword, { ...link, addressHash: await addressDigest(email) });
    if (linked) this.emit({ type: "verify-email", to: email, token: link.token, expiresAt: link.expiresAt });
    return user;
  }

  /** True only for a known email with its password. Does not count failures (see logIn). */
  async validLogin(email: string, password: string): Promise<boolean> {
    return this.checkPassword(await this.findUser({ email }), password);
  }

  generateUuid(): string {
    return generateToken();
  }

  /**
   * Checks the password and opens a session (another one: a user may be logged in on several
   * devices, up to maxSessionsPerUser) in two queries. Throws InvalidCredentials (unknown email
   * or wrong password, indistinguishable) or LoginThrottled while the throttle this client falls
   * under is backing off. `deviceToken` is the client's device cookie: a client that logged in
   * to this account before has a throttle of its own, so failures from elsewhere cannot keep it
   * out. Returns the session's secret and the client's new device token (rotated every login).
   */
  async logIn(
    email: string,
    password: string,
    deviceToken?: string,
    client: ClientInfo = {},
  ): Promise<{ user: User; sessionId: string; deviceToken: string }> {
    const { user, trustedDeviceHash } = await this.verifyPassword(email, password, deviceToken);
    // After the password: a wrong one must not learn whether the address is verified. The right
    // one ends the backoff its claim moved, as a login would.
    if (this.options.requireEmailVerification && user.emailVerifiedAt === null) {
      await this.db.clearLoginBackoff(user.id, trustedDeviceHash);
      throw new EmailNotVerified("email not verified");
    }
    const now = this.now();
    const sessionId = this.generateUuid();
    // A new device token on every login: one planted in the browser or copied from it never lasts.
    const device = generateToken();
    // A raised BCRYPT_COST reaches existing users as they log in.
    const rehash =
      bcrypt.getRounds(user.hashedPassword) < this.options.bcryptCost ? { hashedPassword: await this.hashPassword(password) } : {};
    const opened = await this.db.startSession(
      user.id,
      await this.newSession(sessionId, now, client),
      this.options.maxSessionsPerUser,
      rehash,
      user.hashedPassword,
      { tokenHash: await sha256Hex(device), trustedHash: trustedDeviceHash, now },
    );
    // The password changed (a reset) between the check and now: the old one no longer counts.
    if (!opened) throw new InvalidCredentials("password changed during login");
    return { user, sessionId, deviceToken: device };
  }

  /** Starts a new session for the user and returns its secret; null for an unknown email. */
  async createSession(email: string, client: ClientInfo = {}): Promise<string | null> {
    const user = await this.findUser({ email });
    if (!user) return null;
    const sessionId = this.generateUuid();
    await this.db.startSession(user.id, await this.newSession(sessionId, this.now(), client), this.options.maxSessionsPerUser);
    return sessionId;
  }

  /**
   * The live session a cookie's secret names, with its user; null otherwise. One query by the
   * digest's index; an expired session is deleted on sight, and the idle deadline of a live one
   * moves (with last use) at most once per refresh step.
   */
  async getSession(secret: string | null | undefined): Promise<CurrentSession | null> {
    if (!secret) return null;
    const digest = await sha256Hex(secret);
    const found = await this.db.findSession(digest);
    if (!found || !constantTimeEqual(found.session.secretHash, digest)) return null;
    const { session } = found;
    const now = this.now();
    if (session.expiresAt <= now || session.idleExpiresAt <= now) {
      await this.db.deleteSession(session.id);
      return null;
    }
    const idleExpiresAt = Math.min(now + this.options.sessionIdleTimeoutSeconds, session.expiresAt);
    if (session.idleExpiresAt <= idleExpiresAt - sessionRefreshIntervalSeconds(this.options.sessionIdleTimeoutSeconds)) {
      await this.db.touchSession(session.id, idleExpiresAt, now);
      session.idleExpiresAt = idleExpiresAt;
      session.lastUsedAt = now;
    }
    return found;
  }

  /** The user of a live session, or null (the seed's name). */
  async getUserFromSessionId(sessionId: string | null | undefined): Promise<User | null> {
    return (await this.getSession(sessionId))?.user ?? null;
  }

  /** Logs the user out everywhere: every session ends. */
  async destroySession(userId: number): Promise<void> {
    await this.db.endSessions(userId);
  }

  /** Ends the session a client presents, in one query; false when it was not live. */
  async endSession(sessionId: string | null | undefined): Promise<boolean> {
    if (!sessionId) return false;
    return (await this.db.endSession(await sha256Hex(sessionId), this.now())) !== null;
  }

  /** The user's live sessions, most recently used first, the current one marked. */
  async listSessions(current: CurrentSession): Promise<SessionInfo[]> {
    const rows = await this.db.listSessions(current.user.id, this.now());
    return rows.map((s) => ({
      id: s.id,
      device: s.device,
      country: s.country,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      current: s.id === current.session.id,
    }));
  }

  /** Ends one of the user's own sessions; another user's id is answered like an unknown one. */
  async endSessionById(current: CurrentSession, sessionId: string): Promise<void> {
    // Anything but a public id's shape is as unknown as an id of someone else's.
    if (!/^[0-9a-f]{32}$/.test(sessionId) || !(await this.db.endSessionById(current.user.id, sessionId))) {
      throw new NoSuchSession("no such session");
    }
  }

  /** Ends every session of the user but the current one; returns how many ended. */
  async endOtherSessions(current: CurrentSession): Promise<number> {
    return this.db.endSessions(current.user.id, current.session.id);
  }

  /** Ends every session of the user, the current one included; returns how many ended. */
  async endAllSessions(current: CurrentSession): Promise<number> {
    return this.db.endSessions(current.user.id);
  }

  /**
   * Changes the password of the current session's user, given the current one (checked under the
   * login throttle: a wrong one counts like a failed login). Every other session ends and the
   * current one gets a new secret, returned (OWASP's renewal after a privilege change); every
   * remembered client but this one is forgotten. The owner gets a notice.
   */
  async changePassword(
    current: CurrentSession,
    currentPassword: string,
    newPassword: string,
    deviceToken?: string,
    client: ClientInfo = {},
  ): Promise<string> {
    const { user, trustedDeviceHash } = await this.verifyOwnPassword(current.user.email, currentPassword, deviceToken);
    const secret = this.generateUuid();
    const changed = await this.db.changePassword(
      user.id,
      user.hashedPassword,
      await this.hashPassword(newPassword),
      { sessionId: current.session.id, newSecretHash: await sha256Hex(secret) },
      trustedDeviceHash,
    );
    // A reset changed the password meanwhile: the one just checked no longer counts.
    if (!changed) throw new WrongPassword("password changed during the request");
    this.emit({ type: "password-changed", to: user.email, how: "changed", ...this.origin(client) });
    return secret;
  }

  /**
   * Deletes the current session's user, given the password (checked under the login throttle).
   * Its sessions, remembered clients and tokens go in the same statement; the email can
   * register again. The address gets a last notice.
   */
  async deleteAccount(current: CurrentSession, password: string, deviceToken?: string, client: ClientInfo = {}): Promise<void> {
    const { user } = await this.verifyOwnPassword(current.user.email, password, deviceToken);
    if (!(await this.db.deleteUser(user.id, user.hashedPassword))) throw new WrongPassword("password changed during the request");
    this.emit({ type: "account-deleted", to: user.email, ...this.origin(client) });
  }

  /**
   * Asks to move the account to `newEmail`, given the password: a confirmation link goes to the
   * new address, and a notice with a link that cancels it to the current one; nothing changes
   * until the confirmation is followed (confirmEmailChange). Past the new address's link-mail cap
   * nothing is stored or sent, and the answer is the same.
   */
  async requestEmailChange(
    current: CurrentSession,
    password: string,
    newEmail: string,
    deviceToken?: string,
    client: ClientInfo = {},
  ): Promise<void> {
    const { user, trustedDeviceHash } = await this.verifyOwnPassword(current.user.email, password, deviceToken);
    if (newEmail === user.email || (await this.findUser({ email: newEmail }))) {
      // The password was right: end the backoff its claim moved (a success does it in its batch).
      await this.db.clearLoginBackoff(user.id, trustedDeviceHash);
      throw new UserAlreadyExists(newEmail);
    }
    const change = await this.newLink(EMAIL_TOKEN_LIFETIME_SECONDS);
    const cancel = generateToken();
    const stored = await this.db.addChangeToken(
      user.id,
      newEmail,
      await addressDigest(newEmail),
      change,
      await sha256Hex(cancel),
      trustedDeviceHash,
    );
    if (!stored) return;
    this.emit({ type: "email-change-requested", to: user.email, newEmail, token: cancel, ...this.origin(client) });
    this.emit({ type: "confirm-new-email", to: newEmail, token: change.token, expiresAt: change.expiresAt });
  }

  /** Follows the cancel link of a pending address change (mailed to the current address): it ends. */
  async cancelEmailChange(token: string): Promise<void> {
    if ((await this.db.cancelEmailChange(await sha256Hex(token), this.now())) === null) throw new InvalidEmailToken("invalid email token");
  }

  /**
   * Follows an address-change link: the account's address becomes the new one (verified), if
   * nobody registered it meanwhile (UserAlreadyExists). The old address gets a notice.
   */
  async confirmEmailChange(token: string, client: ClientInfo = {}): Promise<string> {
    const changed = await this.db.spendChangeToken(await sha256Hex(token), this.now());
    if (!changed) throw new InvalidEmailToken("invalid email token");
    this.emit({ type: "email-changed", to: changed.oldEmail, newEmail: changed.newEmail, ...this.origin(client) });
    return changed.newEmail;
  }

  /**
   * Sends a new verification link to `email` if it has an account that is not verified yet and
   * the address is within its link-mail cap; earlier links keep working.
   */
  async resendVerification(email: string): Promise<void> {
    if (!isPlainAddress(email)) return;
    const link = await this.newLink(EMAIL_TOKEN_LIFETIME_SECONDS);
    if (await this.db.addVerifyToken(email, await addressDigest(email), link)) {
      this.emit({ type: "verify-email", to: email, token: link.token, expiresAt: link.expiresAt });
    }
  }

  /** Follows a verification link: marks the address verified and returns it. */
  async verifyEmail(token: string): Promise<string> {
    const email = await this.db.spendVerifyToken(await sha256Hex(token), this.now());
    if (email === null) throw new InvalidEmailToken("invalid email token");
    return email;
  }

  /** Stores and returns a fresh reset token; throws UnknownEmail when no account has `email`. */
  async getResetPasswordToken(email: string): Promise<string> {
    const resetToken = this.generateUuid();
    const expiresAt = this.now() + this.options.resetTokenLifetimeSeconds;
    if (!(await this.db.setResetToken(email, await sha256Hex(resetToken), expiresAt))) {
      throw new UnknownEmail(`No user with email ${email}`);
    }
    return resetToken;
  }

  /**
   * RESET_TOKEN_DELIVERY=email: stores a new reset link for `email` and sends it there by mail;
   * links sent earlier keep working until used or expired. An unknown address, one mail cannot be
   * sent to, or one past its link-mail cap costs the same and sends nothing. Nothing is
   * returned either way, so the answer cannot tell which addresses exist.
   */
  async requestPasswordReset(email: string): Promise<void> {
    if (!isPlainAddress(email)) return;
    const link = await this.newLink(this.options.resetTokenLifetimeSeconds);
    if (await this.db.addResetLink(email, await addressDigest(email), link)) {
      this.emit({ type: "password-reset-link", to: email, token: link.token, expiresAt: link.expiresAt });
    }
  }

  /**
   * Sets the password of the token's owner, spends the token and ends all the user's sessions;
   * the owner gets a notice. When `email` is given the token must also be that address's.
   */
  async updatePassword(resetToken: string, password: string, email?: string, client: ClientInfo = {}): Promise<void> {
    if (!resetToken) throw new InvalidResetToken("Invalid reset token");
    const hashedPassword = await this.hashPassword(password);
    const owner = await this.db.spendResetToken(await sha256Hex(resetToken), this.now(), hashedPassword, email);
    if (owner === null) throw new InvalidResetToken("Invalid reset token");
    this.emit({ type: "password-changed", to: owner.email, how: "reset", ...this.origin(client) });
  }

  /** Removes ended sessions, expired reset tokens and long-unseen clients, in bounded rounds. */
  async cleanUp(limitPerRound = 500, maxRounds = 20): Promise<{ sessions: number; resetTokens: number; devices: number }> {
    const total = { sessions: 0, resetTokens: 0, devices: 0 };
    for (let round = 0; round < maxRounds; round++) {
      const removed = await this.db.cleanUp(this.now(), limitPerRound);
      total.sessions += removed.sessions;
      total.resetTokens += removed.resetTokens;
      total.devices += removed.devices;
      if (removed.sessions < limitPerRound && removed.resetTokens < limitPerRound && removed.devices < limitPerRound) break;
    }
    return total;
  }

  /**
   * Checks `password` for `email` under the login throttle, in two queries at most: the claim
   * (which also reads the user), then, on failure, the count. Throws LoginThrottled while the
   * client's throttle is backing off, InvalidCredentials for a wrong password or unknown email.
   */
  /** verifyPassword for a logged-in user's own account: a wrong password is WrongPassword. */
  private async verifyOwnPassword(email: string, password: string, deviceToken?: string): Promise<Verified> {
    try {
      return await this.verifyPassword(email, password, deviceToken);
    } catch (error) {
      if (error instanceof InvalidCredentials) throw new WrongPassword("wrong password");
      throw error;
    }
  }

  private async verifyPassword(email: string, password: string, deviceToken?: string): Promise<Verified> {
    const now = this.now();
    const presented = deviceToken !== undefined && isToken(deviceToken) ? await sha256Hex(deviceToken) : "";
    const claim = await this.db.claimLoginAttempt(email, presented, now, this.options.loginBackoffMaxSeconds);
    const { user } = claim;
    if (user && !claim.claimed) {
      throw new LoginThrottled("login attempts paused after failures", Math.max(1, (claim.blockedUntil ?? now) - now));
    }
    const passwordMatches = await this.checkPassword(user, password);
    if (!user || !passwordMatches) {
      await this.db.recordFailedLogin(email, now, this.options.loginBackoffMaxSeconds, claim.trusted ? presented : undefined);
      throw new InvalidCredentials("bad credentials");
    }
    return { user, trustedDeviceHash: claim.trusted ? presented : undefined };
  }

  private now(): number {
    return this.options.now?.() ?? Math.floor(Date.now() / 1000);
  }

  /** Hands a message to whoever sends mail (after the answer); dropped when mail is off. */
  private emit(event: AuthEvent): void {
    if (this.options.sendsMail) this.options.notify?.(event);
  }

  private origin(client: ClientInfo): ChangeOrigin {
    return { at: this.now(), device: deviceLabel(client.userAgent), country: countryCode(client.country) };
  }

  /** A token for a mailed link (a UUID, as the seed's reset tokens), its digest and deadline. */
  private async newLink(lifetimeSeconds: number) {
    const token = generateToken();
    const now = this.now();
    return { token, tokenHash: await sha256Hex(token), now, expiresAt: now + lifetimeSeconds };
  }

  private async newSession(secret: string, now: number, client: ClientInfo) {
    return {
      id: randomId(),
      secretHash: await sha256Hex(secret),
      createdAt: now,
      expiresAt: now + this.options.sessionLifetimeSeconds,
      idleExpiresAt: Math.min(now + this.options.sessionIdleTimeoutSeconds, now + this.options.sessionLifetimeSeconds),
      lastUsedAt: now,
      device: deviceLabel(client.userAgent),
      country: countryCode(client.country),
    };
  }

  /**
   * bcrypt-compares even when there is no user, against a hash of the same cost, so an unknown
   * email takes as long as a wrong password (no timing oracle for which emails exist).
   */
  private async checkPassword(user: User | null, password: string): Promise<boolean> {
    if (user) return bcrypt.compare(password, user.hashedPassword);
    const cost = this.options.bcryptCost;
    if (!dummyHashes.has(cost)) dummyHashes.set(cost, this.hashPassword("edge-auth timing equaliser"));
    await bcrypt.compare(password, await dummyHashes.get(cost)!);
    return false;
  }

  private async findUser(filters: Parameters<DB["findUserBy"]>[0]): Promise<User | null> {
    try {
      return await this.db.findUserBy(filters);
    } catch (error) {
      if (error instanceof NoResultFound) return null;
      throw error;
    }
  }
}
