import bcrypt from "bcryptjs";
import type { DB } from "../db/db";
import type { SessionCheck, SessionDeadlines } from "../db/sessions";
import type { Session, User } from "../db/schema";
import { EmailNotVerified, InvalidCredentials, NoSuchSession, SecondFactorRequired } from "./errors";
import { type ClientInfo, Flow } from "./flow";
import type { AuthOptions } from "./options";
import type { Passwords } from "./passwords";
import { generateToken, isToken, sha256Hex, slotOf } from "./tokens";

/** How long a pending login (password right, code not yet given) lasts: its cookie's Max-Age. */
export const PENDING_LOGIN_SECONDS = 5 * 60;

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

/** Sessions: logging in, reading the cookie's session, listing and ending them. */
export class Sessions extends Flow {
  constructor(
    db: DB,
    options: AuthOptions,
    private readonly passwords: Passwords,
  ) {
    super(db, options);
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
    const { user, trustedDeviceHash, twoFactor } = await this.passwords.verifyPassword(email, password, deviceToken);
    // After the password: a wrong one must not learn whether the address is verified. The right
    // one ends the backoff its claim moved, as a login would.
    if (this.options.requireEmailVerification && user.emailVerifiedAt === null) {
      await this.db.logins.clearLoginBackoff(user.id, trustedDeviceHash);
      throw new EmailNotVerified("email not verified");
    }
    const now = this.now();
    if (twoFactor) {
      // No session yet: a pending login the browser finishes with a code (two-factor.ts).
      const pendingSecret = generateToken(slotOf(user.publicId));
      await this.db.pendingLogins.open({
        secretHash: await sha256Hex(pendingSecret),
        userId: user.id,
        amr: "pwd",
        trustedDeviceHash: trustedDeviceHash ?? null,
        createdAt: now,
        expiresAt: now + PENDING_LOGIN_SECONDS,
      });
      throw new SecondFactorRequired("second factor required", pendingSecret);
    }
    const sessionId = generateToken(slotOf(user.publicId));
    // A new device token on every login: one planted in the browser or copied from it never lasts.
    const device = generateToken();
    // A raised BCRYPT_COST reaches existing users as they log in.
    const rehash =
      bcrypt.getRounds(user.hashedPassword) < this.options.bcryptCost
        ? { hashedPassword: await this.passwords.hashPassword(password) }
        : {};
    const opened = await this.db.sessions.startSession(
      user.id,
      await this.newSession(sessionId, now, client, "pwd"),
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
    const sessionId = generateToken(slotOf(user.publicId));
    await this.db.sessions.startSession(
      user.id,
      await this.newSession(sessionId, this.now(), client, "pwd"),
      this.options.maxSessionsPerUser,
    );
    return sessionId;
  }

  /**
   * The live session a cookie's secret names, with its user; null otherwise. One query by the
   * digest's index; an expired session is deleted on sight, and the idle deadline of a live one
   * moves (with last use) at most once per refresh step.
   */
  async getSession(secret: string | null | undefined): Promise<CurrentSession | null> {
    const digest = await this.digestOf(secret);
    const found = digest ? await this.db.sessions.findSession(digest) : null;
    return found && (await this.keepAlive(found.session, digest!)) ? found : null;
  }

  /**
   * The same check, reading only what a "who is this" answer needs (the session's id and
   * deadlines, the user's id, address and public id): the AuthService binding, the path other
   * apps call on every request.
   */
  async checkSession(secret: string | null | undefined): Promise<SessionCheck | null> {
    const digest = await this.digestOf(secret);
    const found = digest ? await this.db.sessions.checkSession(digest) : null;
    return found && (await this.keepAlive(found.session, digest!)) ? found : null;
  }

  /** The address of a live session's user, or null: GET /profile, which answers that alone. */
  async emailOfSession(secret: string | null | undefined): Promise<string | null> {
    const digest = await this.digestOf(secret);
    const found = digest ? await this.db.sessions.checkSessionEmail(digest) : null;
    return found && (await this.keepAlive(found.session, digest!)) ? found.user.email : null;
  }

  /** The digest a secret is stored under; null for a value of a shape we never issue (no query for it). */
  private async digestOf(secret: string | null | undefined): Promise<string | null> {
    return secret && isToken(secret) ? sha256Hex(secret) : null;
  }

  /**
   * Whether a session found by its digest is live: an expired one is deleted on sight, and the
   * idle deadline of a live one moves (with last use) at most once per refresh step. The row was
   * found by `WHERE secret_hash = digest`, an exact match on a digest of the secret, so there is
   * nothing left to compare (Lucia compares because it finds the row by a separate id).
   */
  private async keepAlive(session: SessionDeadlines & { lastUsedAt?: number }, digest: string): Promise<boolean> {
    const now = this.now();
    if (session.expiresAt <= now || session.idleExpiresAt <= now) {
      await this.db.sessions.deleteSession(digest);
      return false;
    }
    const idleExpiresAt = Math.min(now + this.options.sessionIdleTimeoutSeconds, session.expiresAt);
    if (session.idleExpiresAt <= idleExpiresAt - sessionRefreshIntervalSeconds(this.options.sessionIdleTimeoutSeconds)) {
      await this.db.sessions.touchSession(digest, idleExpiresAt, now);
      session.idleExpiresAt = idleExpiresAt;
      session.lastUsedAt = now;
    }
    return true;
  }

  /** The user of a live session, or null (the seed's name): its id, address and public id. */
  async getUserFromSessionId(sessionId: string | null | undefined): Promise<SessionCheck["user"] | null> {
    return (await this.checkSession(sessionId))?.user ?? null;
  }

  /** Logs the user out everywhere: every session ends. */
  async destroySession(userId: number): Promise<void> {
    await this.db.sessions.endSessions(userId);
  }

  /** Ends the session a client presents, in one query; false when it was not live. */
  async endSession(sessionId: string | null | undefined): Promise<boolean> {
    if (!sessionId || !isToken(sessionId)) return false;
    return (await this.db.sessions.endSession(await sha256Hex(sessionId), this.now())) !== null;
  }

  /** The user's live sessions, most recently used first, the current one marked. */
  async listSessions(current: CurrentSession): Promise<SessionInfo[]> {
    const rows = await this.db.sessions.listSessions(current.user.id, this.now());
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
    if (!/^[0-9a-f]{32}$/.test(sessionId) || !(await this.db.sessions.endSessionById(current.user.id, sessionId))) {
      throw new NoSuchSession("no such session");
    }
  }

  /** Ends every session of the user but the current one (a recent proof needed); returns how many ended. */
  async endOtherSessions(current: CurrentSession): Promise<number> {
    this.requireRecentProof(current);
    return this.db.sessions.endSessions(current.user.id, current.session.id);
  }

  /** Ends every session of the user, the current one included (a recent proof needed); returns how many ended. */
  async endAllSessions(current: CurrentSession): Promise<number> {
    this.requireRecentProof(current);
    return this.db.sessions.endSessions(current.user.id);
  }

  /** Records a fresh proof of presence for the session (the caller checked it). */
  async markReauthenticated(current: CurrentSession, clearBackoff?: { userId: number; trustedDeviceHash?: string }): Promise<void> {
    const now = this.now();
    await this.db.sessions.markReauthenticated(current.session.id, now, clearBackoff);
    current.session.reauthenticatedAt = now;
  }
}
