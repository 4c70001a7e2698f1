import { and, desc, eq, getTableColumns, gt, ne, notInArray, type SQL, sql } from "drizzle-orm";
import { endPendingLoginsStatement } from "./pending-logins";
import { endGrantsStatement } from "./oauth";
import { QueryBuilder, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import { endLinks, PENDING_CHANGE } from "./email-tokens";
import { clearBackoffStatement, type DeviceLogin, NO_LOGIN_BACKOFF, rememberDeviceStatements } from "./logins";
import { type Session, sessions, type User, users } from "./schema";
import { bindPlaceholders, cached, type Drizzle, Store } from "./store";
import { checkChanges, toUser, type UserChanges, userColumns } from "./users";

/** A session row as it is inserted (how it was proved: see sessions.amr). */
export type NewSession = Omit<Session, "userId" | "amr" | "reauthenticatedAt"> & { amr?: string | null; reauthenticatedAt?: number | null };

const sessionColumns = getTableColumns(sessions);

/** A session's two deadlines: all a check needs to tell whether it is live and whether to move it. */
export type SessionDeadlines = Pick<Session, "expiresAt" | "idleExpiresAt">;

/** What a session check reads: the session's deadlines and id, and its user's public names. */
export interface SessionCheck {
  session: SessionDeadlines & Pick<Session, "id">;
  user: Pick<User, "id" | "email" | "emailVerifiedAt" | "publicId">;
}

/** What GET /profile's check reads: the deadlines and the address, nothing else. */
export interface EmailCheck {
  session: SessionDeadlines;
  user: Pick<User, "email">;
}

/** The session half of a session lookup's row, whose columns carry an `s_` prefix. */
function toSession(row: Record<string, unknown>): Session {
  const session: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(sessionColumns)) session[key] = row[`s_${column.name}`] ?? null;
  return session as Session;
}

/** INSERT ... SELECT, so the session is only created while `guard` (on users) holds. */
export function insertSessionStatement(db: Drizzle, userId: number, session: NewSession, guard: SQL | undefined) {
  return db
    .insert(sessions)
    .select(
      db
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
          amr: sql`${session.amr ?? null}`.as("amr"),
          reauthenticatedAt: sql`${session.reauthenticatedAt ?? null}`.as("reauthenticated_at"),
        })
        .from(users)
        .where(and(eq(users.id, userId), guard)),
    )
    .returning({ id: sessions.id });
}

/** Keeps the user's `max` most recently used sessions (the one just opened is the newest). */
export function capSessionsStatement(db: Drizzle, userId: number, max: number) {
  return db
    .delete(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        notInArray(
          sessions.id,
          db
            .select({ id: sessions.id })
            .from(sessions)
            .where(eq(sessions.userId, userId))
            .orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt))
            .limit(max),
        ),
      ),
    );
}

/**
 * sessions: one row per session (Lucia's model), found by the digest of the cookie's secret,
 * named in lists by a public id. Opening one also remembers the client (logins.ts) and caps the
 * user's sessions, in the same batch.
 */
export class SessionStore extends Store {
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
      this.connection.d1
        .prepare(query.sql)
        .bind(...bindPlaceholders(query.params, { secretHash }))
        .first<Record<string, unknown>>(),
    );
    return row ? { user: toUser(row), session: toSession(row) } : null;
  }

  /**
   * The same lookup for a check that needs only the session's deadlines and id and the user's
   * public names (the AuthService binding, getUserFromSessionId): seven columns instead of
   * twenty-three, as arrays (`raw`). In local workerd a session read is bound by what D1 does per
   * column and per parameter (#23), so the check reads what its answer needs and no more: not the
   * digest, which the WHERE clause has just matched byte for byte, and no bound LIMIT (the digest
   * is unique).
   */
  async checkSession(secretHash: string): Promise<SessionCheck | null> {
    const row = await this.checkRow("checkSession", secretHash, () => ({
      expiresAt: sessions.expiresAt,
      idleExpiresAt: sessions.idleExpiresAt,
      id: sessions.id,
      userId: users.id,
      email: users.email,
      emailVerifiedAt: users.emailVerifiedAt,
      publicId: users.publicId,
    }));
    if (!row) return null;
    // In the select's order.
    const [expiresAt, idleExpiresAt, id, userId, email, emailVerifiedAt, publicId] = row;
    return {
      session: { expiresAt: Number(expiresAt), idleExpiresAt: Number(idleExpiresAt), id: String(id) },
      user: {
        id: Number(userId),
        email: String(email),
        emailVerifiedAt: emailVerifiedAt === null ? null : Number(emailVerifiedAt),
        publicId: publicId === null ? null : String(publicId),
      },
    };
  }

  /** The narrowest check, for GET /profile (the seed's "who is this", the hottest path): three columns. */
  async checkSessionEmail(secretHash: string): Promise<EmailCheck | null> {
    const row = await this.checkRow("checkSessionEmail", secretHash, () => ({
      expiresAt: sessions.expiresAt,
      idleExpiresAt: sessions.idleExpiresAt,
      email: users.email,
    }));
    if (!row) return null;
    const [expiresAt, idleExpiresAt, email] = row;
    return { session: { expiresAt: Number(expiresAt), idleExpiresAt: Number(idleExpiresAt) }, user: { email: String(email) } };
  }

  /**
   * One check query's row, as an array of the columns `columns` names (in their order): the
   * session by its digest, joined to its user. Built once per isolate under `name`; the digest
   * is unique, so one row at most.
   */
  private async checkRow(name: string, secretHash: string, columns: () => Record<string, SQLiteColumn>): Promise<unknown[] | undefined> {
    const query = cached(name, () =>
      new QueryBuilder()
        .select(columns())
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(eq(sessions.secretHash, sql.placeholder("secretHash")))
        .toSQL(),
    );
    const rows = await this.run(name, "read", () =>
      this.connection.d1
        .prepare(query.sql)
        .bind(...bindPlaceholders(query.params, { secretHash }))
        .raw(),
    );
    return rows[0];
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
    checkChanges(changes);
    const sameHash = and(eq(users.id, userId), verifiedHash === undefined ? undefined : eq(users.hashedPassword, verifiedHash));
    // A login from a remembered client leaves the account's backoff (aimed at unknown clients) as it is.
    const backoff = device?.trustedHash !== undefined ? {} : NO_LOGIN_BACKOFF;
    const userChanges = { ...backoff, ...changes };
    // A lost attempt landed if the session (its random id) exists: the batch is all-or-nothing.
    const landed = async () => ((await this.sessionExists(session.id)) ? { result: true } : ("absent" as const));
    return this.run("startSession", { landed, applied: Boolean }, async () => {
      const [opened] = await this.db.batch([
        insertSessionStatement(this.db, userId, session, sameHash),
        capSessionsStatement(this.db, userId, maxSessions),
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
  async touchSession(secretHash: string, idleExpiresAt: number, lastUsedAt: number): Promise<void> {
    await this.run("touchSession", "read", () =>
      this.db.update(sessions).set({ idleExpiresAt, lastUsedAt }).where(eq(sessions.secretHash, secretHash)),
    );
  }

  /** Deletes one session by its digest (an expired one, found by a check). */
  async deleteSession(secretHash: string): Promise<void> {
    await this.run("deleteSession", "read", () => this.db.delete(sessions).where(eq(sessions.secretHash, secretHash)));
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

  /** Ends one of the user's sessions by public id, and any pending address change; false when the user has no such session. */
  async endSessionById(userId: number, sessionId: string): Promise<boolean> {
    const [ended] = await this.run("endSessionById", "once", () =>
      this.db.batch([
        this.db
          .delete(sessions)
          .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
          .returning({ id: sessions.id }),
        // Logging a device out from the list says "not me": an address change it may have
        // asked for ends too (the owner asks again if it was theirs).
        endLinks(this.db, userId, PENDING_CHANGE),
      ]),
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
        // Half-done logins (a right password waiting for its code) end either way.
        endPendingLoginsStatement(this.db, userId),
        // "Log out everywhere" ends apps' tokens too; ending the others leaves them (offline access).
        ...(except === undefined ? [endGrantsStatement(this.db, userId)] : []),
      ]),
    );
    return ended.length;
  }

  /** Records a fresh proof of presence for the session. */
  async markReauthenticated(sessionId: string, now: number, clearBackoff?: { userId: number; trustedDeviceHash?: string }): Promise<void> {
    // Absolute values: a repeat is harmless. A password proof also ends its claim's backoff, in the same round trip.
    const mark = this.db.update(sessions).set({ reauthenticatedAt: now }).where(eq(sessions.id, sessionId));
    await this.run("markReauthenticated", "read", async () => {
      if (clearBackoff) await this.db.batch([mark, clearBackoffStatement(this.db, clearBackoff.userId, clearBackoff.trustedDeviceHash)]);
      else await mark;
    });
  }
}
