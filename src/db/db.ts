import { and, desc, eq, getTableColumns, gt, is, isNull, lte, notInArray, or, Placeholder, type SQL, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { QueryBuilder } from "drizzle-orm/sqlite-core";
import { InvalidRequestError, NoResultFound, UnknownColumnError, UserAlreadyExists } from "../auth/errors";
import { loginDevices, users, type User } from "./schema";

export type UserColumn = keyof User;
export type UserFilters = Partial<User>;
export type UserChanges = Partial<Omit<User, "id">>;

/** Everything a live session is: the digest of its token and its two deadlines. */
export type SessionFields = Pick<User, "sessionId" | "sessionExpiresAt" | "sessionIdleExpiresAt">;

const userColumns = getTableColumns(users);

const NO_SESSION = { sessionId: null, sessionExpiresAt: null, sessionIdleExpiresAt: null } satisfies SessionFields;
const NO_LOGIN_BACKOFF = { failedLoginCount: 0, loginBlockedUntil: null } satisfies UserChanges;

/** A user keeps this many remembered login clients; the least recently used beyond go. */
export const MAX_LOGIN_DEVICES_PER_USER = 20;
/** A client is remembered for a year after its last successful login (the cookie's Max-Age). */
export const TRUSTED_DEVICE_SECONDS = 365 * 24 * 60 * 60;
/**
 * Before any failure there is no wait to serialise a burst of attempts: at most this many are
 * checked in one second per throttle (the rest get 429); once one fails, the backoff takes over.
 */
export const MAX_LOGIN_CHECKS_PER_SECOND = 10;

/**
 * When the next login attempt may be checked, once one more failure is counted on top of
 * `failures`: after the n-th consecutive failure, 0, 1, 2, 4 ... seconds, capped at `maxWait`.
 */
function blockedUntilAfterFailure(
  failures: typeof users.failedLoginCount | typeof loginDevices.failedLoginCount,
  now: number,
  maxWait: number,
): SQL {
  return sql`CASE WHEN ${failures} < 1 THEN NULL ELSE ${now} + min(${maxWait}, 1 << min(${failures} - 1, 30)) END`;
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
}

/** A remembered login client, as startSession records it. */
export interface DeviceLogin {
  /** The digest of the fresh token this client gets now (tokens are rotated on every login). */
  tokenHash: string;
  /** The digest of the token it presented, when that was already trusted for this account:
   * its row is replaced, and only its own backoff reset, not the account's. */
  trustedHash?: string;
  now: number;
}

/**
 * findUserBy's SQL text, built by Drizzle once per set of filter columns and kept for the life
 * of the isolate. Only text is cached (no client, no binding): building the query is about a
 * sixth of a GET /profile's CPU time in workerd, and these lookups are the hot path.
 */
const lookups = new Map<string, { sql: string; params: unknown[] }>();

function lookupFor(columns: UserColumn[]): { sql: string; params: unknown[] } {
  const key = columns.join(",");
  let query = lookups.get(key);
  if (query === undefined) {
    const where = and(...columns.map((column) => eq(userColumns[column], sql.placeholder(column))));
    query = new QueryBuilder().select().from(users).where(where).limit(1).toSQL();
    lookups.set(key, query);
  }
  return query;
}

/** A row as D1 returns it (SQL column names) to the schema's User (TypeScript names). */
function toUser(row: Record<string, unknown>): User {
  const user: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(userColumns)) user[key] = row[column.name] ?? null;
  return user as User;
}

function isUserColumn(key: string): key is UserColumn {
  return Object.hasOwn(userColumns, key);
}

/** SQLite's message for a UNIQUE violation; D1 wraps it but keeps the text. */
function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Data access for users. Only column names from the Drizzle schema ever reach SQL: every key a
 * caller passes is checked against that whitelist first.
 *
 * Besides the generic find/update, the methods below each do one job in one statement, because
 * every D1 query from a Worker is a network round trip.
 */
export class DB {
  constructor(private readonly db: DrizzleD1Database & { $client: D1Database }) {}

  /** Inserts a user. The unique index on email, not a prior SELECT, rejects duplicates. */
  async addUser(email: string, hashedPassword: string): Promise<User> {
    try {
      const [user] = await this.db.insert(users).values({ email, hashedPassword }).returning();
      return user!;
    } catch (error) {
      if (isUniqueViolation(error)) throw new UserAlreadyExists(email);
      throw error;
    }
  }

  /** The first user matching every given column. */
  async findUserBy(filters: UserFilters): Promise<User> {
    const query = lookupFor(this.checkFilters(filters));
    const params = query.params.map((param) => (is(param, Placeholder) ? filters[param.name as UserColumn] : param));
    const row = await this.db.$client
      .prepare(query.sql)
      .bind(...params)
      .first<Record<string, unknown>>();
    if (!row) throw new NoResultFound("No user matches the given filters");
    return toUser(row);
  }

  /** Applies `changes` to the user with `userId`; unknown columns change nothing. */
  async updateUser(userId: number, changes: UserChanges): Promise<void> {
    this.checkChanges(changes);
    const user = await this.findUserBy({ id: userId });
    if (Object.keys(changes).length === 0) return;
    await this.db.update(users).set(changes).where(eq(users.id, user.id));
  }

  /**
   * Opens a session after a good password, ending the backoff of the throttle the attempt used
   * (and maybe re-hashing). With `verifiedHash`, only while the stored hash is still the one the
   * password was checked against: a login racing a password reset must not reopen a session or
   * undo the new password. With `device`, the client is remembered for the account (its own
   * backoff reset) in the same batch. Returns false when the hash check failed.
   */
  async startSession(
    userId: number,
    session: SessionFields,
    changes: Pick<UserChanges, "hashedPassword"> = {},
    verifiedHash?: string,
    device?: DeviceLogin,
  ): Promise<boolean> {
    this.checkChanges(changes);
    const sameHash = and(eq(users.id, userId), verifiedHash === undefined ? undefined : eq(users.hashedPassword, verifiedHash));
    // A login from a remembered client leaves the account's backoff (aimed at unknown clients) as it is.
    const backoff = device?.trustedHash !== undefined ? {} : NO_LOGIN_BACKOFF;
    const open = this.db
      .update(users)
      .set({ ...session, ...backoff, ...changes })
      .where(sameHash)
      .returning({ id: users.id });
    if (!device) return (await open).length > 0;
    // The device statements run first: `open` may re-hash, which would change what `sameHash` sees.
    const [, , , opened] = await this.db.batch([
      // The token the client presented, if trusted, is spent: a planted or copied one never lasts.
      this.db.delete(loginDevices).where(and(eq(loginDevices.userId, userId), eq(loginDevices.tokenHash, device.trustedHash ?? ""))),
      this.db
        .insert(loginDevices)
        .select(
          this.db
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
            .where(sameHash),
        )
        .onConflictDoNothing(),
      this.db
        .delete(loginDevices)
        .where(
          and(
            eq(loginDevices.userId, userId),
            notInArray(
              loginDevices.tokenHash,
              this.db
                .select({ tokenHash: loginDevices.tokenHash })
                .from(loginDevices)
                .where(eq(loginDevices.userId, userId))
                .orderBy(desc(loginDevices.lastLoginAt))
                .limit(MAX_LOGIN_DEVICES_PER_USER),
            ),
          ),
        ),
      open,
    ]);
    return opened.length > 0;
  }

  /**
   * Claims the right to check one login attempt, and reads the user, in one round trip (an
   * atomic batch). The throttle is the device's own when `deviceHash` names a client that has
   * logged in to this account before, else the account's (shared by every unknown client). A
   * claim moves that throttle's deadline as if the attempt will fail, in the same statement that
   * tests it, so when a wait ends exactly one of a burst of attempts is checked; success clears it.
   */
  async claimLoginAttempt(email: string, deviceHash: string, now: number, maxWaitSeconds: number): Promise<LoginClaim> {
    type Throttle = typeof users | typeof loginDevices;
    // May this attempt be checked now: no wait pending, and (before any failure) room in this second.
    const mayCheck = (t: Throttle) =>
      and(
        or(isNull(t.loginBlockedUntil), lte(t.loginBlockedUntil, now)),
        sql`(${t.failedLoginCount} >= 1 OR ${t.loginChecksAt} IS NOT ${now} OR ${t.loginChecks} < ${MAX_LOGIN_CHECKS_PER_SECOND})`,
      );
    // The claim: the wait this attempt's failure would set, and one more check in this second.
    const claim = (t: Throttle) => ({
      loginBlockedUntil: blockedUntilAfterFailure(t.failedLoginCount, now, maxWaitSeconds),
      loginChecks: sql`CASE WHEN ${t.loginChecksAt} IS ${now} THEN ${t.loginChecks} + 1 ELSE 1 END`,
      loginChecksAt: now,
    });
    const trustedSince = now - TRUSTED_DEVICE_SECONDS;
    const [deviceClaim, accountClaim, [row]] = await this.db.batch([
      this.db
        .update(loginDevices)
        .set(claim(loginDevices))
        .where(
          and(
            eq(loginDevices.userId, sql`(SELECT ${users.id} FROM ${users} WHERE ${users.email} = ${email})`),
            eq(loginDevices.tokenHash, deviceHash),
            gt(loginDevices.lastLoginAt, trustedSince),
            mayCheck(loginDevices),
          ),
        )
        .returning({ userId: loginDevices.userId }),
      this.db
        .update(users)
        .set(claim(users))
        .where(
          and(
            eq(users.email, email),
            mayCheck(users),
            sql`NOT EXISTS (SELECT 1 FROM login_devices WHERE login_devices.user_id = users.id AND login_devices.token_hash = ${deviceHash} AND login_devices.last_login_at > ${trustedSince})`,
          ),
        )
        .returning({ id: users.id }),
      this.db
        // Aliased: D1 returns rows keyed by column name, so an unaliased login_devices.login_blocked_until
        // would overwrite users.login_blocked_until.
        .select({
          user: users,
          deviceUserId: sql<number | null>`${loginDevices.userId}`.as("device_user_id"),
          deviceBlockedUntil: sql<number | null>`${loginDevices.loginBlockedUntil}`.as("device_blocked_until"),
        })
        .from(users)
        .leftJoin(
          loginDevices,
          and(eq(loginDevices.userId, users.id), eq(loginDevices.tokenHash, deviceHash), gt(loginDevices.lastLoginAt, trustedSince)),
        )
        .where(eq(users.email, email))
        .limit(1),
    ]);
    if (!row) return { user: null, trusted: false, claimed: false, blockedUntil: null };
    const trusted = row.deviceUserId !== null;
    const blockedUntil = trusted ? row.deviceBlockedUntil : row.user.loginBlockedUntil;
    return {
      user: row.user,
      trusted,
      claimed: (trusted ? deviceClaim : accountClaim).length > 0,
      // Refused for the per-second cap rather than a wait: try again in a second.
      blockedUntil: blockedUntil !== null && blockedUntil > now ? blockedUntil : now + 1,
    };
  }

  /** Moves the idle deadline of a session that is still the user's current one. */
  async extendSession(userId: number, sessionId: string, sessionIdleExpiresAt: number): Promise<void> {
    await this.db
      .update(users)
      .set({ sessionIdleExpiresAt })
      .where(and(eq(users.id, userId), eq(users.sessionId, sessionId)));
  }

  /** Clears the user's session; with `sessionId`, only if that session is still the current one. */
  async clearSession(userId: number, sessionId?: string): Promise<void> {
    const sameSession = sessionId === undefined ? undefined : eq(users.sessionId, sessionId);
    await this.db
      .update(users)
      .set(NO_SESSION)
      .where(and(eq(users.id, userId), sameSession));
  }

  /**
   * Ends the session with this digest whatever its state, in one round trip (a batch); returns
   * the user's id when the session was still live at `now`, else null. (RETURNING shows values
   * after the update, so liveness is decided by the first statement's WHERE.)
   */
  async endSession(sessionId: string, now: number): Promise<number | null> {
    const [endedLive] = await this.db.batch([
      this.db
        .update(users)
        .set(NO_SESSION)
        .where(and(eq(users.sessionId, sessionId), gt(users.sessionExpiresAt, now), gt(users.sessionIdleExpiresAt, now)))
        .returning({ id: users.id }),
      this.db.update(users).set(NO_SESSION).where(eq(users.sessionId, sessionId)),
    ]);
    return endedLive[0]?.id ?? null;
  }

  /**
   * Counts a failed login for `email` and sets when the next attempt may be checked (see
   * blockedUntilAfterFailure): on the device's own throttle when `deviceHash` names a client
   * remembered for that account, else on the account's. One atomic statement, so concurrent
   * failures each count. An unknown email matches no row, which keeps its cost (and timing) the
   * same as a wrong password's.
   */
  async recordFailedLogin(email: string, now: number, maxWaitSeconds: number, deviceHash?: string): Promise<void> {
    if (deviceHash !== undefined) {
      const failures = loginDevices.failedLoginCount;
      await this.db
        .update(loginDevices)
        .set({ failedLoginCount: sql`${failures} + 1`, loginBlockedUntil: blockedUntilAfterFailure(failures, now, maxWaitSeconds) })
        .where(
          and(
            eq(loginDevices.userId, sql`(SELECT ${users.id} FROM ${users} WHERE ${users.email} = ${email})`),
            eq(loginDevices.tokenHash, deviceHash),
          ),
        );
      return;
    }
    const failures = users.failedLoginCount; // the count before this failure, in SET expressions
    await this.db
      .update(users)
      .set({ failedLoginCount: sql`${failures} + 1`, loginBlockedUntil: blockedUntilAfterFailure(failures, now, maxWaitSeconds) })
      .where(eq(users.email, email));
  }

  /** Stores a reset token digest for the account with `email`; returns false when there is none. */
  async setResetToken(email: string, resetToken: string, resetTokenExpiresAt: number): Promise<boolean> {
    const rows = await this.db
      .update(users)
      .set({ resetToken, resetTokenExpiresAt })
      .where(eq(users.email, email))
      .returning({ id: users.id });
    return rows.length > 0;
  }

  /**
   * Spends a live reset token: sets the new hash, clears the token, ends the session and any
   * login backoff, all in one atomic statement, so of two concurrent uses exactly one wins.
   * Returns the user's id, or null when the token is unknown, expired or not `email`'s.
   */
  async spendResetToken(resetToken: string, now: number, hashedPassword: string, email?: string): Promise<number | null> {
    const live = and(
      eq(users.resetToken, resetToken),
      gt(users.resetTokenExpiresAt, now),
      email === undefined ? undefined : eq(users.email, email),
    );
    const [, [row]] = await this.db.batch([
      // A reset means the password may have been known to someone else: no client stays trusted.
      this.db.delete(loginDevices).where(eq(loginDevices.userId, sql`(SELECT ${users.id} FROM ${users} WHERE ${live})`)),
      this.db
        .update(users)
        .set({ hashedPassword, resetToken: null, resetTokenExpiresAt: null, ...NO_SESSION, ...NO_LOGIN_BACKOFF })
        .where(live)
        .returning({ id: users.id }),
    ]);
    return row?.id ?? null;
  }

  private checkChanges(changes: object): void {
    for (const key of Object.keys(changes)) {
      if (!isUserColumn(key) || key === "id") throw new UnknownColumnError(`users has no updatable column '${key}'`);
    }
  }

  /** The filter's columns, in a stable order, once each is known to be a real column. */
  private checkFilters(filters: UserFilters): UserColumn[] {
    const entries = Object.entries(filters);
    if (entries.length === 0) throw new InvalidRequestError("findUserBy needs at least one column");
    for (const [key, value] of entries) {
      if (!isUserColumn(key)) throw new InvalidRequestError(`users has no column '${key}'`);
      // `column = NULL` is never true in SQL, but a caller passing null most likely meant
      // "not set" and could match the wrong row if we rewrote it to IS NULL. Refuse instead.
      if (value === null || value === undefined) throw new InvalidRequestError(`'${key}' cannot be matched against null`);
    }
    return (Object.keys(filters) as UserColumn[]).sort();
  }
}
