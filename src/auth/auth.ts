import bcrypt from "bcryptjs";
import type { DB } from "../db/db";
import type { Session, User } from "../db/schema";
import { countryCode, deviceLabel } from "./device-label";
import { InvalidCredentials, InvalidResetToken, LoginThrottled, NoResultFound, NoSuchSession, UnknownEmail } from "./errors";
import { constantTimeEqual, generateToken, isToken, randomId, sha256Hex } from "./tokens";

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

  /** Throws UserAlreadyExists (`User <email> already exists`) for a taken email. */
  async registerUser(email: string, password: string): Promise<User> {
    return this.db.addUser(email, await this.hashPassword(password));
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
    if (!(await this.db.endSessionById(current.user.id, sessionId))) throw new NoSuchSession("no such session");
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
   * remembered client but this one is forgotten.
   */
  async changePassword(current: CurrentSession, currentPassword: string, newPassword: string, deviceToken?: string): Promise<string> {
    const { user, trustedDeviceHash } = await this.verifyPassword(current.user.email, currentPassword, deviceToken);
    const secret = this.generateUuid();
    const changed = await this.db.changePassword(
      user.id,
      user.hashedPassword,
      await this.hashPassword(newPassword),
      { sessionId: current.session.id, newSecretHash: await sha256Hex(secret) },
      trustedDeviceHash,
    );
    // A reset changed the password meanwhile: the one just checked no longer counts.
    if (!changed) throw new InvalidCredentials("password changed during the request");
    return secret;
  }

  /**
   * Deletes the current session's user, given the password (checked under the login throttle).
   * Its sessions, remembered clients and reset token go in the same statement; the email can
   * register again.
   */
  async deleteAccount(current: CurrentSession, password: string, deviceToken?: string): Promise<void> {
    const { user } = await this.verifyPassword(current.user.email, password, deviceToken);
    if (!(await this.db.deleteUser(user.id, user.hashedPassword))) throw new InvalidCredentials("password changed during the request");
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
   * Sets the password of the token's owner, spends the token and ends all the user's sessions.
   * When `email` is given (the HTTP route always gives it) the token must also be that address's.
   */
  async updatePassword(resetToken: string, password: string, email?: string): Promise<void> {
    if (!resetToken) throw new InvalidResetToken("Invalid reset token");
    const hashedPassword = await this.hashPassword(password);
    const userId = await this.db.spendResetToken(await sha256Hex(resetToken), this.now(), hashedPassword, email);
    if (userId === null) throw new InvalidResetToken("Invalid reset token");
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
