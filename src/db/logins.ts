import { and, desc, eq, gt, isNull, lte, notInArray, or, type SQL, sql } from "drizzle-orm";
import { loginDevices, totpCredentials, type User, users } from "./schema";
import { type Drizzle, Store } from "./store";

/**
 * The login throttle (users' backoff columns) and remembered clients (login_devices, OWASP's
 * device cookies): the statements, which other stores also run inside their batches (a login
 * remembers its client when it opens the session), and LoginStore, which claims and counts.
 */

/** A user keeps this many remembered login clients; the least recently used beyond go. */
export const MAX_LOGIN_DEVICES_PER_USER = 20;
/** A client is remembered for a year after its last successful login (the cookie's Max-Age). */
export const TRUSTED_DEVICE_SECONDS = 365 * 24 * 60 * 60;
/**
 * Before any failure there is no wait to serialise a burst of attempts: at most this many are
 * checked in one second per throttle (the rest get 429); once one fails, the backoff takes over.
 */
export const MAX_LOGIN_CHECKS_PER_SECOND = 10;

type Throttle = typeof users | typeof loginDevices;

/**
 * When the next login attempt may be checked, once one more failure is counted on top of
 * `failures`: after the n-th consecutive failure, 0, 1, 2, 4 ... seconds, capped at `maxWait`.
 */
export function blockedUntilAfterFailure(
  failures: SQL | Throttle["failedLoginCount"] | typeof totpCredentials.failedCount,
  now: number,
  maxWait: number,
): SQL {
  return sql`CASE WHEN ${failures} < 1 THEN NULL ELSE ${now} + min(${maxWait}, 1 << min(${failures} - 1, 30)) END`;
}

/** May an attempt be checked now: no wait pending, and (before any failure) room in this second. */
function mayCheck(t: Throttle, now: number) {
  return and(
    or(isNull(t.loginBlockedUntil), lte(t.loginBlockedUntil, now)),
    sql`(${t.failedLoginCount} >= 1 OR ${t.loginChecksAt} IS NOT ${now} OR ${t.loginChecks} < ${MAX_LOGIN_CHECKS_PER_SECOND})`,
  );
}

/** The claim: the wait this attempt's failure would set, and one more check in this second. */
function claim(t: Throttle, now: number, maxWait: number) {
  return {
    loginBlockedUntil: blockedUntilAfterFailure(t.failedLoginCount, now, maxWait),
    loginChecks: sql`CASE WHEN ${t.loginChecksAt} IS ${now} THEN ${t.loginChecks} + 1 ELSE 1 END`,
    loginChecksAt: now,
  };
}

const userIdOf = (email: string) => sql`(SELECT ${users.id} FROM ${users} WHERE ${users.email} = ${email})`;

/** The backoff left as it is by a success from a remembered client, reset by any other success. */
export const NO_LOGIN_BACKOFF = { failedLoginCount: 0, loginBlockedUntil: null } as const;

/**
 * The three statements of a claim (one batch): claim the device's throttle if `deviceHash` is a
 * client remembered for this account within the year, else the account's; then read the user
 * and whether the device was remembered. See DB.claimLoginAttempt.
 */
export function claimStatements(db: Drizzle, email: string, deviceHash: string, now: number, maxWait: number) {
  const trustedSince = now - TRUSTED_DEVICE_SECONDS;
  return [
    db
      .update(loginDevices)
      .set(claim(loginDevices, now, maxWait))
      .where(
        and(
          eq(loginDevices.userId, userIdOf(email)),
          eq(loginDevices.tokenHash, deviceHash),
          gt(loginDevices.lastLoginAt, trustedSince),
          mayCheck(loginDevices, now),
        ),
      )
      .returning({ userId: loginDevices.userId }),
    db
      .update(users)
      .set(claim(users, now, maxWait))
      .where(
        and(
          eq(users.email, email),
          mayCheck(users, now),
          sql`NOT EXISTS (SELECT 1 FROM login_devices WHERE login_devices.user_id = users.id AND login_devices.token_hash = ${deviceHash} AND login_devices.last_login_at > ${trustedSince})`,
        ),
      )
      .returning({ id: users.id }),
    db
      // Aliased: D1 returns rows keyed by column name, so an unaliased login_devices.login_blocked_until
      // would overwrite users.login_blocked_until.
      .select({
        user: users,
        deviceUserId: sql<number | null>`${loginDevices.userId}`.as("device_user_id"),
        deviceBlockedUntil: sql<number | null>`${loginDevices.loginBlockedUntil}`.as("device_blocked_until"),
        // Two-factor on: a right password opens a pending login, not a session.
        twoFactorSince: sql<number | null>`${totpCredentials.confirmedAt}`.as("two_factor_since"),
      })
      .from(users)
      .leftJoin(
        loginDevices,
        and(eq(loginDevices.userId, users.id), eq(loginDevices.tokenHash, deviceHash), gt(loginDevices.lastLoginAt, trustedSince)),
      )
      .leftJoin(totpCredentials, eq(totpCredentials.userId, users.id))
      .where(eq(users.email, email))
      .limit(1),
  ] as const;
}

/**
 * Counts a failed attempt for `email` (one atomic statement, so concurrent failures each count):
 * on the device's own throttle when `deviceHash` names a client remembered for that account,
 * else on the account's. An unknown email matches no row, at the same cost.
 */
export function recordFailureStatement(db: Drizzle, email: string, now: number, maxWait: number, deviceHash?: string) {
  if (deviceHash !== undefined) {
    const failures = loginDevices.failedLoginCount; // the count before this failure, in SET expressions
    return db
      .update(loginDevices)
      .set({ failedLoginCount: sql`${failures} + 1`, loginBlockedUntil: blockedUntilAfterFailure(failures, now, maxWait) })
      .where(and(eq(loginDevices.userId, userIdOf(email)), eq(loginDevices.tokenHash, deviceHash)));
  }
  const failures = users.failedLoginCount;
  return db
    .update(users)
    .set({ failedLoginCount: sql`${failures} + 1`, loginBlockedUntil: blockedUntilAfterFailure(failures, now, maxWait) })
    .where(eq(users.email, email));
}

/** A remembered login client, as a successful login records it. */
export interface DeviceLogin {
  /** The digest of the fresh token this client gets now (tokens are rotated on every login). */
  tokenHash: string;
  /** The digest of the token it presented, when that was already trusted for this account: its
   * row is replaced, and only its own backoff reset, not the account's. */
  trustedHash?: string;
  now: number;
}

/**
 * Remembers the client for the user, while `guard` (a condition on users) holds: spends the
 * token it presented, records the fresh one, keeps the MAX_LOGIN_DEVICES_PER_USER most recent.
 */
export function rememberDeviceStatements(db: Drizzle, userId: number, guard: SQL | undefined, device: DeviceLogin) {
  return [
    db.delete(loginDevices).where(and(eq(loginDevices.userId, userId), eq(loginDevices.tokenHash, device.trustedHash ?? ""))),
    db
      .insert(loginDevices)
      .select(
        db
          .select({
            userId: users.id,
            tokenHash: sql`${device.tokenHash}`.as("token_hash"),
            failedLoginCount: sql`0`.as("failed_login_count"),
            loginBlockedUntil: sql`NULL`.as("login_blocked_until"),
            loginChecksAt: sql`NULL`.as("login_checks_at"),
            loginChecks: sql`0`.as("login_checks"),
            lastLoginAt: sql`${device.now}`.as("last_login_at"),
          })
          .from(users)
          // This user's row only (the guard says whether the login stands, not whose it is).
          .where(and(eq(users.id, userId), guard)),
      )
      .onConflictDoNothing(),
    db
      .delete(loginDevices)
      .where(
        and(
          eq(loginDevices.userId, userId),
          notInArray(
            loginDevices.tokenHash,
            db
              .select({ tokenHash: loginDevices.tokenHash })
              .from(loginDevices)
              .where(eq(loginDevices.userId, userId))
              .orderBy(desc(loginDevices.lastLoginAt))
              .limit(MAX_LOGIN_DEVICES_PER_USER),
          ),
        ),
      ),
  ] as const;
}

/**
 * After a password checked under the throttle was right (outside a login): clears the backoff
 * the attempt claimed, the device's own when it came from a remembered client, else the account's.
 */
export function clearBackoffStatement(db: Drizzle, userId: number, trustedDeviceHash?: string) {
  if (trustedDeviceHash !== undefined) {
    return db
      .update(loginDevices)
      .set(NO_LOGIN_BACKOFF)
      .where(and(eq(loginDevices.userId, userId), eq(loginDevices.tokenHash, trustedDeviceHash)));
  }
  return db.update(users).set(NO_LOGIN_BACKOFF).where(eq(users.id, userId));
}

/** What the first round trip of a login learned: the user, and whether this attempt may be checked. */
export interface LoginClaim {
  user: User | null;
  /** The client presented a device token that has logged in to this account before. */
  trusted: boolean;
  /** This attempt holds the throttle (account's or device's) and may check the password. */
  claimed: boolean;
  /** While not claimed: when the throttle it hit ends (Unix seconds). */
  blockedUntil: number | null;
  /** The account has a confirmed TOTP authenticator: a right password still needs a code. */
  twoFactor: boolean;
}

/** Claims, clears and counts login attempts. */
export class LoginStore extends Store {
  /**
   * Claims the right to check one login attempt, and reads the user, in one round trip (an
   * atomic batch). The throttle is the device's own when `deviceHash` names a client that has
   * logged in to this account before, else the account's (shared by every unknown client). A
   * claim moves that throttle's deadline as if the attempt will fail, in the same statement that
   * tests it, so when a wait ends exactly one of a burst of attempts is checked; success clears it.
   */
  async claimLoginAttempt(email: string, deviceHash: string, now: number, maxWaitSeconds: number): Promise<LoginClaim> {
    // "once": a repeat of a claim that landed would count the same attempt twice.
    const [deviceClaim, accountClaim, [row]] = await this.run("claimLoginAttempt", "once", () =>
      this.db.batch(claimStatements(this.db, email, deviceHash, now, maxWaitSeconds)),
    );
    if (!row) return { user: null, trusted: false, claimed: false, blockedUntil: null, twoFactor: false };
    const trusted = row.deviceUserId !== null;
    const blockedUntil = trusted ? row.deviceBlockedUntil : row.user.loginBlockedUntil;
    return {
      user: row.user,
      trusted,
      claimed: (trusted ? deviceClaim : accountClaim).length > 0,
      // Refused for the per-second cap rather than a wait: try again in a second.
      blockedUntil: blockedUntil !== null && blockedUntil > now ? blockedUntil : now + 1,
      twoFactor: row.twoFactorSince !== null,
    };
  }

  /**
   * Clears the backoff a claim moved when the password was right but the request fails for
   * another reason (the address is taken, not verified): a right password must never leave the
   * owner waiting as a wrong one would. Sets absolute values, so a repeat is harmless.
   */
  async clearLoginBackoff(userId: number, trustedDeviceHash?: string): Promise<void> {
    await this.run("clearLoginBackoff", "read", () => clearBackoffStatement(this.db, userId, trustedDeviceHash));
  }

  /** Counts a failed attempt (see recordFailureStatement in logins.ts). */
  async recordFailedLogin(email: string, now: number, maxWaitSeconds: number, deviceHash?: string): Promise<void> {
    await this.run("recordFailedLogin", "once", () => recordFailureStatement(this.db, email, now, maxWaitSeconds, deviceHash));
  }
}
