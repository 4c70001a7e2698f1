import {
  and,
  asc,
  desc,
  eq,
  exists,
  getTableColumns,
  gt,
  inArray,
  is,
  isNull,
  lte,
  ne,
  notInArray,
  or,
  Placeholder,
  type SQL,
  sql,
} from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { QueryBuilder } from "drizzle-orm/sqlite-core";
import { InvalidRequestError, NoResultFound, UnknownColumnError, UserAlreadyExists } from "./errors";
import { DEFAULT_D1_TIMEOUT_MS, type RetryOptions, type RetryPolicy, withRetries } from "./resilience";
import {
  claimStatements,
  clearBackoffStatement,
  type DeviceLogin,
  NO_LOGIN_BACKOFF,
  recordFailureStatement,
  rememberDeviceStatements,
  TRUSTED_DEVICE_SECONDS,
} from "./logins";
import { countLinkMail, endLinks, insertLink, LINK_MAIL_WINDOW_SECONDS, type NewLink, PENDING_CHANGE, withinMailCap } from "./mail-links";
import { emailTokens, loginDevices, mailCounts, type Session, sessions, type User, users } from "./schema";

export type { DeviceLogin } from "./logins";
export { MAX_LOGIN_CHECKS_PER_SECOND, MAX_LOGIN_DEVICES_PER_USER, TRUSTED_DEVICE_SECONDS } from "./logins";

export type UserColumn = keyof User;
export type UserFilters = Partial<User>;
export type UserChanges = Partial<Omit<User, "id">>;
/** A session row as it is inserted. */
export type NewSession = Omit<Session, "userId">;

const userColumns = getTableColumns(users);
const sessionColumns = getTableColumns(sessions);

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

/**
 * SQL text built by Drizzle once and kept for the life of the isolate. Only text is cached (no
 * client, no binding): building a query is about a sixth of a GET /profile's CPU time in
 * workerd, and these lookups are the hot path.
 */
const lookups = new Map<string, { sql: string; params: unknown[] }>();

function cached(key: string, build: () => { sql: string; params: unknown[] }) {
  let query = lookups.get(key);
  if (query === undefined) {
    query = build();
    lookups.set(key, query);
  }
  return query;
}

function bindPlaceholders(params: unknown[], values: Record<string, unknown>): unknown[] {
  return params.map((param) => (is(param, Placeholder) ? values[param.name] : param));
}

/** A row as D1 returns it (SQL column names) to the schema's User (TypeScript names). */
function toUser(row: Record<string, unknown>): User {
  const user: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(userColumns)) user[key] = row[column.name] ?? null;
  return user as User;
}

/** The session half of a session lookup's row, whose columns carry an `s_` prefix. */
function toSession(row: Record<string, unknown>): Session {
  const session: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(sessionColumns)) session[key] = row[`s_${column.name}`] ?? null;
  return session as Session;
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
 * Data access. Only column names from the Drizzle schema ever reach SQL: every key a caller
 * passes is checked against that whitelist first. Besides the generic find/update of the seed,
 * each method does one job in one round trip (one statement, or one atomic batch), because
 * every D1 query from a Worker is a network round trip, and all-or-nothing, so a failure never
 * leaves half a change. Every method's D1 call goes through `run` with the retry policy its
 * statements allow (src/db/resilience.ts): D1's transient failures are retried where that is
 * safe and become TemporarilyUnavailable (503) where it is not.
 */
export class DB {
  private readonly retry: RetryOptions;

  constructor(
    private readonly db: DrizzleD1Database & { $client: D1Database },
    retry: Partial<RetryOptions> = {},
  ) {
    // One DB per request: its failures share one time budget (resilience.ts).
    this.retry = { timeoutMs: DEFAULT_D1_TIMEOUT_MS, ...retry, trouble: {} };
  }

  private run<T>(method: string, policy: RetryPolicy<T>, attempt: () => Promise<T>): Promise<T> {
    return withRetries(method, policy, attempt, this.retry);
  }

  /** Inserts a user. The unique index on email, not a prior SELECT, rejects duplicates. */
  async addUser(email: string, hashedPassword: string): Promise<User> {
    return (await this.registerUser(email, hashedPassword)).user;
  }

  /**
   * addUser, and with `verify` (mail is on) a verification link for the new address in the same
   * batch, counted against the address's link mails: `linked` says whether it was stored.
   */
  async registerUser(
    email: string,
    hashedPassword: string,
    verify?: NewLink & { addressHash: string },
  ): Promise<{ user: User; linked: boolean }> {
    // Did a lost attempt land? The row has this very hash (bcrypt salts are random): it is ours.
    const landed = async () => {
      const user = await this.userByEmail(email);
      if (user?.hashedPassword !== hashedPassword) return "absent" as const;
      const link =
        verify &&
        (await this.db
          .select({ one: sql`1` })
          .from(emailTokens)
          .where(eq(emailTokens.tokenHash, verify.tokenHash))
          .limit(1));
      return { result: { user, linked: Boolean(link?.length) } };
    };
    try {
      return await this.run("addUser", { landed }, () => this.insertUser(email, hashedPassword, verify));
    } catch (error) {
      if (isUniqueViolation(error)) throw new UserAlreadyExists(email);
      throw error;
    }
  }

  private async insertUser(email: string, hashedPassword: string, verify?: NewLink & { addressHash: string }) {
    const insert = this.db.insert(users).values({ email, hashedPassword }).returning();
    if (!verify) return { user: (await insert)[0]!, linked: false };
    const [[user], , linked] = await this.db.batch([
      insert,
      countLinkMail(this.db, verify.addressHash, verify.now, eq(users.email, email)),
      insertLink(this.db, "verify", verify, and(eq(users.email, email), withinMailCap(verify.addressHash))),
    ]);
    return { user: user!, linked: linked.length > 0 };
  }

  /** The user with this address, or null (for the checks after a lost answer). */
  private async userByEmail(email: string): Promise<User | null> {
    return (await this.db.select().from(users).where(eq(users.email, email)).limit(1))[0] ?? null;
  }

  /** The first user matching every given column. */
  async findUserBy(filters: UserFilters): Promise<User> {
    const columns = this.checkFilters(filters);
    const query = cached(`user:${columns.join(",")}`, () =>
      new QueryBuilder()
        .select()
        .from(users)
        .where(and(...columns.map((column) => eq(userColumns[column], sql.placeholder(column)))))
        .limit(1)
        .toSQL(),
    );
    const row = await this.run("findUserBy", "read", () =>
      this.db.$client
        .prepare(query.sql)
        .bind(...bindPlaceholders(query.params, filters))
        .first<Record<string, unknown>>(),
    );
    if (!row) throw new NoResultFound("No user matches the given filters");
    return toUser(row);
  }

  /** Applies `changes` to the user with `userId`; unknown columns change nothing. */
  async updateUser(userId: number, changes: UserChanges): Promise<void> {
    this.checkChanges(changes);
    const user = await this.findUserBy({ id: userId });
    if (Object.keys(changes).length === 0) return;
    // Absolute values: running it twice ends in the same row.
    await this.run("updateUser", "read", () => this.db.update(users).set(changes).where(eq(users.id, user.id)));
  }

  // --- Sessions -----------------------------------------------------------------------------

  /** The session with this secret digest and its user, in one query (the digest's index). */
  async findSession(secretHash: string): Promise<{ user: User; session: Session } | null> {
    const query = cached("session", () =>
      new QueryBuilder()
        .select({
          ...userColumns,
          // Prefixed: D1 returns rows keyed by column name, and both tables have id and created_at.
          ...Object.fromEntries(Object.values(sessionColumns).map((column) => [`s_${column.name}`, sql`${column}`.as(`s_${column.name}`)])),
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(eq(sessions.secretHash, sql.placeholder("secretHash")))
        .limit(1)
        .toSQL(),
    );
    const row = await this.run("findSession", "read", () =>
      this.db.$client
        .prepare(query.sql)
        .bind(...bindPlaceholders(query.params, { secretHash }))
        .first<Record<string, unknown>>(),
    );
    return row ? { user: toUser(row), session: toSession(row) } : null;
  }

  /**
   * Opens a session after a good password, ending the backoff of the throttle the attempt used
   * (and maybe re-hashing), and keeps the user's `maxSessions` most recently used sessions, all
   * in one batch. With `verifiedHash`, only while the stored hash is still the one the password
   * was checked against: a login racing a password reset must not open a session or undo the
   * new password. With `device`, the client is remembered for the account. Returns false when
   * the hash check failed.
   */
  async startSession(
    userId: number,
    session: NewSession,
    maxSessions: number,
    changes: Pick<UserChanges, "hashedPassword"> = {},
    verifiedHash?: string,
    device?: DeviceLogin,
  ): Promise<boolean> {
    this.checkChanges(changes);
    const sameHash = and(eq(users.id, userId), verifiedHash === undefined ? undefined : eq(users.hashedPassword, verifiedHash));
    // A login from a remembered client leaves the account's backoff (aimed at unknown clients) as it is.
    const backoff = device?.trustedHash !== undefined ? {} : NO_LOGIN_BACKOFF;
    const userChanges = { ...backoff, ...changes };
    // A lost attempt landed if the session (its random id) exists: the batch is all-or-nothing.
    const landed = async () => ((await this.sessionExists(session.id)) ? { result: true } : ("absent" as const));
    return this.run("startSession", { landed, applied: Boolean }, async () => {
      const [opened] = await this.db.batch([
        this.insertSession(userId, session, sameHash),
        this.capSessions(userId, maxSessions),
        ...(device ? rememberDeviceStatements(this.db, userId, sameHash, device) : []),
        // Last: it may re-hash, which would change what `sameHash` sees. (Nothing to change for a
        // remembered client's login without a re-hash.)
        ...(Object.keys(userChanges).length > 0 ? [this.db.update(users).set(userChanges).where(sameHash)] : []),
      ]);
      return opened.length > 0;
    });
  }

  private async sessionExists(sessionId: string): Promise<boolean> {
    return (await this.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, sessionId)).limit(1)).length > 0;
  }

  /** Moves a session's idle deadline and last use (at most once per refresh step). */
  async touchSession(sessionId: string, idleExpiresAt: number, lastUsedAt: number): Promise<void> {
    await this.run("touchSession", "read", () =>
      this.db.update(sessions).set({ idleExpiresAt, lastUsedAt }).where(eq(sessions.id, sessionId)),
    );
  }

  /** Deletes one session by its public id (an expired one, say). */
  async deleteSession(sessionId: string): Promise<void> {
    await this.run("deleteSession", "read", () => this.db.delete(sessions).where(eq(sessions.id, sessionId)));
  }

  /**
   * Ends the session with this digest whatever its state, in one round trip (a batch); returns
   * the user's id when the session was still live at `now`, else null. (The first statement's
   * WHERE decides liveness; the second removes an expired row too.)
   */
  async endSession(secretHash: string, now: number): Promise<number | null> {
    // "once": a repeat of a landed attempt would find nothing and answer "not logged in".
    const [endedLive] = await this.run("endSession", "once", () =>
      this.db.batch([
        this.db
          .delete(sessions)
          .where(and(eq(sessions.secretHash, secretHash), gt(sessions.expiresAt, now), gt(sessions.idleExpiresAt, now)))
          .returning({ userId: sessions.userId }),
        this.db.delete(sessions).where(eq(sessions.secretHash, secretHash)),
      ]),
    );
    return endedLive[0]?.userId ?? null;
  }

  /** The user's live sessions, most recently used first. */
  async listSessions(userId: number, now: number): Promise<Session[]> {
    return this.run("listSessions", "read", () =>
      this.db
        .select()
        .from(sessions)
        .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now), gt(sessions.idleExpiresAt, now)))
        .orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt)),
    );
  }

  /** Ends one of the user's sessions by public id; false when the user has no such session. */
  async endSessionById(userId: number, sessionId: string): Promise<boolean> {
    const ended = await this.run("endSessionById", "once", () =>
      this.db
        .delete(sessions)
        .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
        .returning({ id: sessions.id }),
    );
    return ended.length > 0;
  }

  /**
   * Ends every session of the user, or every one but `except`, and any pending address change
   * (someone logged in elsewhere may have asked for it); returns how many sessions ended.
   */
  async endSessions(userId: number, except?: string): Promise<number> {
    // "once": the answer says how many ended, which a repeat would not know.
    const [ended] = await this.run("endSessions", "once", () =>
      this.db.batch([
        this.db
          .delete(sessions)
          .where(and(eq(sessions.userId, userId), except === undefined ? undefined : ne(sessions.id, except)))
          .returning({ id: sessions.id }),
        endLinks(this.db, userId, PENDING_CHANGE),
      ]),
    );
    return ended.length;
  }

  // --- Logins -------------------------------------------------------------------------------

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

  // --- Account changes ----------------------------------------------------------------------

  /**
   * Sets a new password hash while the stored one is still `verifiedHash`, and in the same batch
   * ends every other session, gives the current one a new secret, forgets every remembered
   * client but this one (`keepDeviceHash`), ends every reset link and pending address change and
   * ends the login backoff. Returns false (nothing
   * changed) when the hash changed meanwhile (a reset won the race).
   */
  async changePassword(
    userId: number,
    verifiedHash: string,
    hashedPassword: string,
    current: { sessionId: string; newSecretHash: string },
    keepDeviceHash = "",
  ): Promise<boolean> {
    const sameHash = and(eq(users.id, userId), eq(users.hashedPassword, verifiedHash));
    const stillSame = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${sameHash})`;
    // A change from a remembered client ends that client's own backoff, not the account's (as a login does).
    const backoff = keepDeviceHash ? {} : NO_LOGIN_BACKOFF;
    // A lost attempt landed if the stored hash is the new one (bcrypt salts are random).
    const landed = async () => ((await this.hashOf(userId)) === hashedPassword ? { result: true } : ("absent" as const));
    return this.run("changePassword", { landed, applied: Boolean }, async () => {
      const [, , , , , changed] = await this.db.batch([
        this.db
          .update(loginDevices)
          .set(NO_LOGIN_BACKOFF)
          .where(and(eq(loginDevices.userId, userId), eq(loginDevices.tokenHash, keepDeviceHash), stillSame)),
        this.db.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.id, current.sessionId), stillSame)),
        this.db
          .update(sessions)
          .set({ secretHash: current.newSecretHash })
          .where(and(eq(sessions.id, current.sessionId), eq(sessions.userId, userId), stillSame)),
        this.db.delete(loginDevices).where(and(eq(loginDevices.userId, userId), ne(loginDevices.tokenHash, keepDeviceHash), stillSame)),
        // Reset links and an address change asked for with the old password end with it.
        endLinks(this.db, userId, ["reset", ...PENDING_CHANGE], stillSame),
        this.db
          .update(users)
          // A reset token asked for before the change must not undo it.
          .set({ hashedPassword, resetToken: null, resetTokenExpiresAt: null, ...backoff })
          .where(sameHash)
          .returning({ id: users.id }),
      ]);
      return changed.length > 0;
    });
  }

  /** The user's stored password hash, or null when there is no such user. */
  private async hashOf(userId: number): Promise<string | null> {
    const [row] = await this.db.select({ hash: users.hashedPassword }).from(users).where(eq(users.id, userId)).limit(1);
    return row?.hash ?? null;
  }

  /**
   * Deletes the user while the stored hash is still `verifiedHash`: one statement, and its
   * sessions and remembered clients go with it (ON DELETE CASCADE), its reset token with the row.
   */
  async deleteUser(userId: number, verifiedHash: string): Promise<boolean> {
    // A lost attempt landed if the user is gone.
    const landed = async () => ((await this.hashOf(userId)) === null ? { result: true } : ("absent" as const));
    return this.run("deleteUser", { landed, applied: Boolean }, async () => {
      const deleted = await this.db
        .delete(users)
        .where(and(eq(users.id, userId), eq(users.hashedPassword, verifiedHash)))
        .returning({ id: users.id });
      return deleted.length > 0;
    });
  }

  // --- Reset tokens -------------------------------------------------------------------------

  /** Stores a reset token digest for the account with `email`; returns false when there is none. */
  async setResetToken(email: string, resetToken: string, resetTokenExpiresAt: number): Promise<boolean> {
    // Absolute values: a repeat stores the same token and answers the same.
    const rows = await this.run("setResetToken", "read", () =>
      this.db.update(users).set({ resetToken, resetTokenExpiresAt }).where(eq(users.email, email)).returning({ id: users.id }),
    );
    return rows.length > 0;
  }

  /**
   * RESET_TOKEN_DELIVERY=email: stores a reset link for the account with `email` (the address's
   * digest is `addressHash`), counted against the address's link mails; earlier links stay live.
   * Returns false, at the same cost, when there is no such account or the cap is reached.
   */
  async addResetLink(email: string, addressHash: string, link: NewLink): Promise<boolean> {
    // "once": a repeat would count one mail twice (and could store a second link).
    const [, added] = await this.run("addResetLink", "once", () =>
      this.db.batch([
        countLinkMail(this.db, addressHash, link.now, eq(users.email, email)),
        insertLink(this.db, "reset", link, and(eq(users.email, email), withinMailCap(addressHash))),
      ]),
    );
    return added.length > 0;
  }

  /**
   * Spends a live reset token, the seed's (users.reset_token) or a mailed link's: sets the new
   * hash, ends every session, every remembered client, every other link of the account (other
   * reset links, a pending address change) and any login backoff, in one atomic batch, so of two
   * concurrent uses exactly one wins. Returns the user, or null when the token is unknown,
   * expired or not `email`'s.
   */
  async spendResetToken(
    resetToken: string,
    now: number,
    hashedPassword: string,
    email?: string,
  ): Promise<{ id: number; email: string } | null> {
    const ofEmail = email === undefined ? undefined : eq(users.email, email);
    const seeds = and(eq(users.resetToken, resetToken), gt(users.resetTokenExpiresAt, now), ofEmail);
    const mailed = sql`${users.id} = (SELECT ${emailTokens.userId} FROM ${emailTokens} WHERE ${and(
      eq(emailTokens.tokenHash, resetToken),
      eq(emailTokens.purpose, "reset"),
      gt(emailTokens.expiresAt, now),
    )})`;
    const live = or(seeds, and(mailed, ofEmail));
    const owner = sql`(SELECT ${users.id} FROM ${users} WHERE ${live})`;
    // Did a lost attempt land? With the address: its hash is the new one. Without: while the token
    // is still stored it did not; once it is gone, who spent it cannot be told (503).
    const landed = async () => {
      if (email === undefined) {
        const [pending] = await this.db
          .select({ id: users.id })
          .from(users)
          .where(or(eq(users.resetToken, resetToken), mailed))
          .limit(1);
        return pending ? ("absent" as const) : ("unknown" as const);
      }
      const user = await this.userByEmail(email);
      return user?.hashedPassword === hashedPassword ? { result: { id: user.id, email: user.email } } : ("absent" as const);
    };
    return this.run("spendResetToken", { landed, applied: Boolean }, async () => {
      // Each statement finds the owner by the token, which stays stored until the last one.
      const [, , , [row]] = await this.db.batch([
        this.db.delete(sessions).where(eq(sessions.userId, owner)),
        // A reset means the password may have been known to someone else: no client stays trusted,
        // and no address change asked for with it goes through.
        this.db.delete(loginDevices).where(eq(loginDevices.userId, owner)),
        endLinks(this.db, owner, ["reset", ...PENDING_CHANGE], ne(emailTokens.tokenHash, resetToken)),
        this.db
          .update(users)
          .set({ hashedPassword, resetToken: null, resetTokenExpiresAt: null, ...NO_LOGIN_BACKOFF })
          .where(live)
          .returning({ id: users.id, email: users.email }),
        // Only once the password is the new one: a token presented with another address stays.
        this.db
          .delete(emailTokens)
          .where(
            and(
              eq(emailTokens.tokenHash, resetToken),
              sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${emailTokens.userId} AND ${users.hashedPassword} = ${hashedPassword})`,
            ),
          ),
      ]);
      return row ?? null;
    });
  }

  // --- Email tokens -------------------------------------------------------------------------

  /**
   * Stores a `verify` link for the account with `email` while it is not verified yet, counted
   * against the address's link mails; earlier links stay live. Returns false, at the same cost,
   * when there is no such account or the cap is reached.
   */
  async addVerifyToken(email: string, addressHash: string, link: NewLink): Promise<boolean> {
    const unverified = and(eq(users.email, email), isNull(users.emailVerifiedAt));
    // "once": a repeat would count one mail twice (and could store a second link).
    const [, added] = await this.run("addVerifyToken", "once", () =>
      this.db.batch([
        countLinkMail(this.db, addressHash, link.now, unverified),
        insertLink(this.db, "verify", link, and(unverified, withinMailCap(addressHash))),
      ]),
    );
    return added.length > 0;
  }

  /**
   * Spends a live `verify` token: the address it was sent to is verified, and every verify link
   * of the account ends. Returns that address. Two round trips: the token is read first so that,
   * if the answer to the spending is lost, the user's row tells whether it landed (links are
   * followed rarely; a wrong "invalid link" after an outage would send people in circles).
   */
  async spendVerifyToken(tokenHash: string, now: number): Promise<string | null> {
    const live = and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, "verify"), gt(emailTokens.expiresAt, now));
    const [found] = await this.run("spendVerifyToken.find", "read", () =>
      this.db.select({ userId: emailTokens.userId, email: emailTokens.email }).from(emailTokens).where(live).limit(1),
    );
    if (!found) return null;
    // Landed: the token is gone and the user has that address, verified.
    const landed = async () => {
      const [row] = await this.db
        .select({ email: users.email, verifiedAt: users.emailVerifiedAt, pending: emailTokens.tokenHash })
        .from(users)
        .leftJoin(emailTokens, eq(emailTokens.tokenHash, tokenHash))
        .where(eq(users.id, found.userId))
        .limit(1);
      return row && row.pending === null && row.email === found.email && row.verifiedAt !== null
        ? { result: found.email }
        : ("absent" as const);
    };
    return this.run("spendVerifyToken", { landed, applied: Boolean }, async () => {
      const [[verified]] = await this.db.batch([
        this.db
          .update(users)
          .set({ emailVerifiedAt: now })
          .where(
            and(
              eq(users.id, found.userId),
              eq(users.email, found.email),
              exists(
                this.db
                  .select({ one: sql`1` })
                  .from(emailTokens)
                  .where(live),
              ),
            ),
          )
          .returning({ email: users.email }),
        endLinks(
          this.db,
          found.userId,
          ["verify"],
          sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${found.userId} AND ${users.emailVerifiedAt} IS NOT NULL)`,
        ),
      ]);
      return verified?.email ?? null;
    });
  }

  /**
   * Stores a pending move of the user to `newEmail`: a `change` link (for the new address, whose
   * digest is `addressHash`) and a `cancel` link (for the current one), replacing any earlier
   * pending change, while the new address is within its link-mail cap; and clears the login
   * backoff the password check claimed. Returns false when the cap stopped it (nothing stored).
   */
  async addChangeToken(
    userId: number,
    newEmail: string,
    addressHash: string,
    change: NewLink,
    cancelHash: string,
    trustedDeviceHash?: string,
  ): Promise<boolean> {
    const withinCap = withinMailCap(addressHash);
    const user = and(eq(users.id, userId), withinCap);
    // "once": a repeat would count one mail twice.
    const [, , added] = await this.run("addChangeToken", "once", () =>
      this.db.batch([
        countLinkMail(this.db, addressHash, change.now, eq(users.id, userId)),
        endLinks(this.db, userId, PENDING_CHANGE, withinCap),
        insertLink(this.db, "change", change, user, sql`${newEmail}`),
        insertLink(this.db, "cancel", { ...change, tokenHash: cancelHash }, user),
        clearBackoffStatement(this.db, userId, trustedDeviceHash),
      ]),
    );
    return added.length > 0;
  }

  /**
   * Follows a `cancel` link: every pending address change of its user ends. Returns the address
   * the change was for, or null for an unknown, used or expired link.
   */
  async cancelEmailChange(cancelHash: string, now: number): Promise<string | null> {
    const owner = sql`(SELECT ${emailTokens.userId} FROM ${emailTokens} WHERE ${and(
      eq(emailTokens.tokenHash, cancelHash),
      eq(emailTokens.purpose, "cancel"),
      gt(emailTokens.expiresAt, now),
    )})`;
    // "once": a repeat would find the link gone and answer "invalid link".
    const ended = await this.run("cancelEmailChange", "once", () =>
      endLinks(this.db, owner, PENDING_CHANGE).returning({ purpose: emailTokens.purpose, email: emailTokens.email }),
    );
    return ended.find((link) => link.purpose === "change")?.email ?? (ended.length > 0 ? "" : null);
  }

  /**
   * Spends a live `change` token: the user's address becomes the one it was sent to, verified,
   * and every link sent for the old address (reset and verification links, pending changes)
   * ends. The unique index refuses it (UserAlreadyExists) when someone registered that address
   * meanwhile. Returns the old and the new address, or null for an unknown or expired token.
   */
  async spendChangeToken(tokenHash: string, now: number): Promise<{ oldEmail: string; newEmail: string } | null> {
    const [found] = await this.run("spendChangeToken.find", "read", () =>
      this.db
        .select({ userId: emailTokens.userId, newEmail: emailTokens.email, oldEmail: users.email })
        .from(emailTokens)
        .innerJoin(users, eq(users.id, emailTokens.userId))
        .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, "change"), gt(emailTokens.expiresAt, now)))
        .limit(1),
    );
    if (!found) return null;
    const moved = { oldEmail: found.oldEmail, newEmail: found.newEmail };
    // Landed: the user has the new address now.
    const landed = async () => {
      const [row] = await this.db.select({ email: users.email }).from(users).where(eq(users.id, found.userId)).limit(1);
      return row?.email === found.newEmail ? { result: moved } : ("absent" as const);
    };
    const movedNow = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${found.userId} AND ${users.email} = ${found.newEmail})`;
    try {
      return await this.run("spendChangeToken", { landed, applied: Boolean }, async () => {
        const [[changed]] = await this.db.batch([
          this.db
            .update(users)
            // A reset asked for at the old address must not work once it is no longer the account's.
            .set({ email: found.newEmail, emailVerifiedAt: now, resetToken: null, resetTokenExpiresAt: null })
            .where(
              and(
                eq(users.id, found.userId),
                eq(users.email, found.oldEmail),
                exists(
                  this.db
                    .select({ one: sql`1` })
                    .from(emailTokens)
                    .where(eq(emailTokens.tokenHash, tokenHash)),
                ),
              ),
            )
            .returning({ id: users.id }),
          endLinks(this.db, found.userId, ["reset", "verify", ...PENDING_CHANGE], movedNow),
        ]);
        return changed ? moved : null;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new UserAlreadyExists(found.newEmail);
      throw error;
    }
  }

  // --- Clean-up -----------------------------------------------------------------------------

  /**
   * One bounded round of the daily clean-up, in one batch: at most `limit` ended sessions (by
   * either deadline), expired reset tokens and clients not seen for a year. Returns what each
   * statement removed, so the caller can stop when a round finds less than `limit`.
   */
  async cleanUp(now: number, limit: number): Promise<{ sessions: number; resetTokens: number; devices: number }> {
    const endedBy = (deadline: typeof sessions.expiresAt | typeof sessions.idleExpiresAt) =>
      this.db
        .delete(sessions)
        .where(
          sql`${sessions.id} IN (${this.db.select({ id: sessions.id }).from(sessions).where(lte(deadline, now)).orderBy(asc(deadline)).limit(limit)})`,
        )
        .returning({ id: sessions.id });
    // Deleting what has expired is harmless to repeat (the counts only go to a log line).
    const [absolute, idle, tokens, devices, mailTokens] = await this.run("cleanUp", "read", () =>
      this.db.batch([
        endedBy(sessions.expiresAt),
        endedBy(sessions.idleExpiresAt),
        this.db
          .update(users)
          .set({ resetToken: null, resetTokenExpiresAt: null })
          .where(
            sql`${users.id} IN (${this.db.select({ id: users.id }).from(users).where(lte(users.resetTokenExpiresAt, now)).limit(limit)})`,
          )
          .returning({ id: users.id }),
        this.db
          .delete(loginDevices)
          .where(
            sql`(${loginDevices.userId}, ${loginDevices.tokenHash}) IN (${this.db
              .select({ userId: loginDevices.userId, tokenHash: loginDevices.tokenHash })
              .from(loginDevices)
              .where(lte(loginDevices.lastLoginAt, now - TRUSTED_DEVICE_SECONDS))
              .limit(limit)})`,
          )
          .returning({ userId: loginDevices.userId }),
        this.db
          .delete(emailTokens)
          .where(
            sql`${emailTokens.tokenHash} IN (${this.db
              .select({ tokenHash: emailTokens.tokenHash })
              .from(emailTokens)
              .where(lte(emailTokens.expiresAt, now))
              .limit(limit)})`,
          )
          .returning({ tokenHash: emailTokens.tokenHash }),
        // Counts of hours that have ended (a new mail starts a new hour anyway).
        this.db.delete(mailCounts).where(
          sql`${mailCounts.addressHash} IN (${this.db
            .select({ addressHash: mailCounts.addressHash })
            .from(mailCounts)
            .where(lte(mailCounts.windowStart, now - LINK_MAIL_WINDOW_SECONDS))
            .limit(limit)})`,
        ),
      ]),
    );
    return {
      sessions: absolute.length + idle.length,
      resetTokens: tokens.length + mailTokens.length,
      devices: devices.length,
    };
  }

  // --- Helpers ------------------------------------------------------------------------------

  /** INSERT ... SELECT, so the session is only created while `guard` (on users) holds. */
  private insertSession(userId: number, session: NewSession, guard: SQL | undefined) {
    return this.db
      .insert(sessions)
      .select(
        this.db
          .select({
            id: sql`${session.id}`.as("id"),
            userId: users.id,
            secretHash: sql`${session.secretHash}`.as("secret_hash"),
            createdAt: sql`${session.createdAt}`.as("created_at"),
            expiresAt: sql`${session.expiresAt}`.as("expires_at"),
            idleExpiresAt: sql`${session.idleExpiresAt}`.as("idle_expires_at"),
            lastUsedAt: sql`${session.lastUsedAt}`.as("last_used_at"),
            device: sql`${session.device}`.as("device"),
            country: sql`${session.country}`.as("country"),
          })
          .from(users)
          .where(and(eq(users.id, userId), guard)),
      )
      .returning({ id: sessions.id });
  }

  /** Keeps the user's `max` most recently used sessions (the one just opened is the newest). */
  private capSessions(userId: number, max: number) {
    return this.db
      .delete(sessions)
      .where(
        and(
          eq(sessions.userId, userId),
          notInArray(
            sessions.id,
            this.db
              .select({ id: sessions.id })
              .from(sessions)
              .where(eq(sessions.userId, userId))
              .orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt))
              .limit(max),
          ),
        ),
      );
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
