import bcrypt from "bcryptjs";
import type { DB, SessionFields } from "../db/db";
import type { User } from "../db/schema";
import { InvalidCredentials, InvalidResetToken, LoginThrottled, NoResultFound, UnknownEmail } from "./errors";
import { constantTimeEqual, generateToken, isToken, sha256Hex } from "./tokens";

export interface AuthOptions {
  /** bcrypt work factor (log2 rounds). */
  bcryptCost: number;
  sessionLifetimeSeconds: number;
  sessionIdleTimeoutSeconds: number;
  resetTokenLifetimeSeconds: number;
  /** Longest wait between login attempts after repeated failures. */
  loginBackoffMaxSeconds: number;
  /** Unix seconds; tests move the clock. */
  now?: () => number;
}

/**
 * The idle deadline moves at most this often, so most reads of a session write nothing: an hour,
 * or a tenth of the idle timeout when that is shorter, so that a session in use never reaches an
 * idle deadline it should have moved past (it is at most a tenth of the timeout behind).
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
   * Checks the password and opens a session in at most two queries. Throws InvalidCredentials
   * (unknown email or wrong password, indistinguishable) or LoginThrottled while the throttle
   * this client falls under is backing off after consecutive failures. `deviceToken` is the
   * client's device cookie: a client that logged in to this account before has a throttle of its
   * own, so failures from elsewhere cannot keep it out. Returns the device token to keep (a new
   * one on every login). A new session replaces the user's previous one.
   */
  async logIn(email: string, password: string, deviceToken?: string): Promise<{ user: User; sessionId: string; deviceToken: string }> {
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
    const sessionId = this.generateUuid();
    // A new device token on every login: one planted in the browser or copied from it never lasts.
    const device = generateToken();
    // A raised BCRYPT_COST reaches existing users as they log in.
    const rehash =
      bcrypt.getRounds(user.hashedPassword) < this.options.bcryptCost ? { hashedPassword: await this.hashPassword(password) } : {};
    const opened = await this.db.startSession(user.id, await this.newSessionFields(sessionId, now), rehash, user.hashedPassword, {
      tokenHash: await sha256Hex(device),
      trustedHash: claim.trusted ? presented : undefined,
      now,
    });
    // The password changed (a reset) between the check and now: the old one no longer counts.
    if (!opened) throw new InvalidCredentials("password changed during login");
    return { user, sessionId, deviceToken: device };
  }

  /** Starts a new session for the user and returns its id; null for an unknown email. */
  async createSession(email: string): Promise<string | null> {
    const user = await this.findUser({ email });
    if (!user) return null;
    const sessionId = this.generateUuid();
    await this.db.startSession(user.id, await this.newSessionFields(sessionId, this.now()));
    return sessionId;
  }

  /** The user of a live session, or null. An expired session is cleared on sight. */
  async getUserFromSessionId(sessionId: string | null | undefined): Promise<User | null> {
    if (!sessionId) return null;
    const digest = await sha256Hex(sessionId);
    const user = await this.findUser({ sessionId: digest });
    if (!user?.sessionId || !constantTimeEqual(user.sessionId, digest)) return null;
    const now = this.now();
    if (!this.isLive(user, now)) {
      await this.db.clearSession(user.id, digest);
      return null;
    }
    const idleExpiresAt = now + this.options.sessionIdleTimeoutSeconds;
    if (user.sessionIdleExpiresAt! <= idleExpiresAt - sessionRefreshIntervalSeconds(this.options.sessionIdleTimeoutSeconds)) {
      await this.db.extendSession(user.id, digest, idleExpiresAt);
      user.sessionIdleExpiresAt = idleExpiresAt;
    }
    return user;
  }

  async destroySession(userId: number): Promise<void> {
    await this.db.clearSession(userId);
  }

  /** Ends the session a client presents, in one query; false when it was not live. */
  async endSession(sessionId: string | null | undefined): Promise<boolean> {
    if (!sessionId) return false;
    return (await this.db.endSession(await sha256Hex(sessionId), this.now())) !== null;
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
   * Sets the password of the token's owner, spends the token and ends the user's session. When
   * `email` is given (the HTTP route always gives it) the token must also belong to that address.
   */
  async updatePassword(resetToken: string, password: string, email?: string): Promise<void> {
    if (!resetToken) throw new InvalidResetToken("Invalid reset token");
    const hashedPassword = await this.hashPassword(password);
    const userId = await this.db.spendResetToken(await sha256Hex(resetToken), this.now(), hashedPassword, email);
    if (userId === null) throw new InvalidResetToken("Invalid reset token");
  }

  private now(): number {
    return this.options.now?.() ?? Math.floor(Date.now() / 1000);
  }

  private isLive(session: Pick<User, "sessionExpiresAt" | "sessionIdleExpiresAt">, now: number): boolean {
    return (session.sessionExpiresAt ?? 0) > now && (session.sessionIdleExpiresAt ?? 0) > now;
  }

  private async newSessionFields(sessionId: string, now: number): Promise<SessionFields> {
    return {
      sessionId: await sha256Hex(sessionId),
      sessionExpiresAt: now + this.options.sessionLifetimeSeconds,
      sessionIdleExpiresAt: now + this.options.sessionIdleTimeoutSeconds,
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
