import { drizzle } from "drizzle-orm/d1";
import { and, eq, ne, sql } from "drizzle-orm";
import { endPendingLoginsStatement } from "./pending-logins";
import { endGrantsStatement, OAuthStore } from "./oauth";
import { QueryBuilder } from "drizzle-orm/sqlite-core";
import { AccountStore } from "./accounts";
import { CleanUpStore } from "./clean-up";
import { PasskeyStore } from "./passkeys";
import { PendingLoginStore } from "./pending-logins";
import { TwoFactorStore } from "./two-factor";
import { EmailTokenStore, endLinks, insertLink, type NewLink, PENDING_CHANGE } from "./email-tokens";
import { NoResultFound, UserAlreadyExists } from "./errors";
import { LoginStore, NO_LOGIN_BACKOFF } from "./logins";
import { countInHour, countLinkMail, LINK_MAIL_WINDOW_SECONDS, PASSWORD_CHANGES_PER_HOUR, withinCount, withinMailCap } from "./mail-counts";
import { DEFAULT_D1_TIMEOUT_MS, type RetryOptions } from "./resilience";
import { ResetTokenStore } from "./reset-tokens";
import { emailTokens, loginDevices, sessions, type User, users } from "./schema";
import { SessionStore } from "./sessions";
import { bindPlaceholders, cached, type Drizzle, isUniqueViolation, Store } from "./store";
import {
  checkChanges,
  checkFilters,
  hashOf,
  newPublicId,
  toUser,
  type UserChanges,
  type UserFilters,
  userByEmail,
  userColumns,
} from "./users";

export type { DeviceLogin, LoginClaim } from "./logins";
export { MAX_LOGIN_CHECKS_PER_SECOND, MAX_LOGIN_DEVICES_PER_USER, TRUSTED_DEVICE_SECONDS } from "./logins";
export type { NewSession } from "./sessions";
export type { UserChanges, UserColumn, UserFilters } from "./users";

/**
 * The database of one request. DB itself is the face of users, as the seed had it: addUser,
 * findUserBy and updateUser with the column whitelist (users.ts), and what else changes a
 * user's row (registration with its verification link, a password change, deletion). The other
 * tables have a store each, reached from here so that they share this request's connection and
 * retry budget: `sessions`, `logins` (the login throttle and remembered clients),
 * `emailTokens` (verification and address-change links), `resetTokens` and `cleanUp`.
 */
export class DB extends Store {
  #sessions?: SessionStore;
  #logins?: LoginStore;
  #emailTokens?: EmailTokenStore;
  #resetTokens?: ResetTokenStore;
  #cleanUp?: CleanUpStore;
  #twoFactor?: TwoFactorStore;
  #pendingLogins?: PendingLoginStore;
  #passkeys?: PasskeyStore;
  #oauth?: OAuthStore;
  #accounts?: AccountStore;

  /**
   * `d1`: the request's binding. Drizzle over it is made on first use: its client is a dialect, a
   * session and a database object, and a request that answers from memory (GET /) or runs a
   * cached query's text on the binding (a session read) never needs one.
   */
  constructor(d1: D1Database, retry: Partial<RetryOptions> = {}) {
    let client: Drizzle | undefined;
    // One DB per request: its failures share one time budget (resilience.ts).
    super({
      d1,
      get db() {
        return (client ??= drizzle(d1));
      },
      retry: { timeoutMs: DEFAULT_D1_TIMEOUT_MS, ...retry, trouble: {} },
    });
  }

  // Made on first use: most requests need one store or two.
  get sessions(): SessionStore {
    return (this.#sessions ??= new SessionStore(this.connection));
  }

  get logins(): LoginStore {
    return (this.#logins ??= new LoginStore(this.connection));
  }

  get emailTokens(): EmailTokenStore {
    return (this.#emailTokens ??= new EmailTokenStore(this.connection));
  }

  get resetTokens(): ResetTokenStore {
    return (this.#resetTokens ??= new ResetTokenStore(this.connection));
  }

  get cleanUp(): CleanUpStore {
    return (this.#cleanUp ??= new CleanUpStore(this.connection));
  }

  get twoFactor(): TwoFactorStore {
    return (this.#twoFactor ??= new TwoFactorStore(this.connection));
  }

  get pendingLogins(): PendingLoginStore {
    return (this.#pendingLogins ??= new PendingLoginStore(this.connection));
  }

  get passkeys(): PasskeyStore {
    return (this.#passkeys ??= new PasskeyStore(this.connection));
  }

  get accounts(): AccountStore {
    return (this.#accounts ??= new AccountStore(this.connection));
  }

  get oauth(): OAuthStore {
    return (this.#oauth ??= new OAuthStore(this.connection));
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
      const user = await userByEmail(this.db, email);
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
    const insert = this.db.insert(users).values({ email, hashedPassword, publicId: newPublicId() }).returning();
    if (!verify) return { user: (await insert)[0]!, linked: false };
    const [[user], , linked] = await this.db.batch([
      insert,
      countLinkMail(this.db, verify.addressHash, verify.now, eq(users.email, email)),
      insertLink(this.db, "verify", verify, and(eq(users.email, email), withinMailCap(verify.addressHash))),
    ]);
    return { user: user!, linked: linked.length > 0 };
  }

  /** The first user matching every given column. */
  async findUserBy(filters: UserFilters): Promise<User> {
    const columns = checkFilters(filters);
    const query = cached(`user:${columns.join(",")}`, () =>
      new QueryBuilder()
        .select()
        .from(users)
        .where(and(...columns.map((column) => eq(userColumns[column], sql.placeholder(column)))))
        .limit(1)
        .toSQL(),
    );
    const row = await this.run("findUserBy", "read", () =>
      this.connection.d1
        .prepare(query.sql)
        .bind(...bindPlaceholders(query.params, filters))
        .first<Record<string, unknown>>(),
    );
    if (!row) throw new NoResultFound("No user matches the given filters");
    return toUser(row);
  }

  /** Applies `changes` to the user with `userId`; unknown columns change nothing. */
  async updateUser(userId: number, changes: UserChanges): Promise<void> {
    checkChanges(changes);
    const user = await this.findUserBy({ id: userId });
    if (Object.keys(changes).length === 0) return;
    // Absolute values: running it twice ends in the same row.
    await this.run("updateUser", "read", () => this.db.update(users).set(changes).where(eq(users.id, user.id)));
  }

  /**
   * Sets a new password hash while the stored one is still `verifiedHash`, and in the same batch
   * ends every other session, gives the current one a new secret, forgets every remembered
   * client but this one (`keepDeviceHash`), ends every reset link and pending address change and
   * ends the login backoff; all only while the account's password changes this hour (counted
   * under `limit.key`) are within PASSWORD_CHANGES_PER_HOUR, since each mails a notice that is
   * never dropped. Says whether it changed, or until when it is limited; neither when the hash
   * changed meanwhile (a reset won the race).
   */
  async changePassword(
    userId: number,
    verifiedHash: string,
    hashedPassword: string,
    current: { sessionId: string; newSecretHash: string },
    limit: { key: string; now: number },
    keepDeviceHash = "",
  ): Promise<{ changed: boolean; limitedUntil?: number }> {
    const sameHash = and(eq(users.id, userId), eq(users.hashedPassword, verifiedHash));
    const allowed = and(sameHash, withinCount(limit.key, PASSWORD_CHANGES_PER_HOUR));
    const stillSame = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${allowed})`;
    // A change from a remembered client ends that client's own backoff, not the account's (as a login does).
    const backoff = keepDeviceHash ? {} : NO_LOGIN_BACKOFF;
    // A lost attempt landed if the stored hash is the new one (bcrypt salts are random).
    const landed = async () => ((await hashOf(this.db, userId)) === hashedPassword ? { result: { changed: true } } : ("absent" as const));
    return this.run("changePassword", { landed, applied: (result) => result.changed }, async () => {
      const [[counted], , , , , , , , changed] = await this.db.batch([
        countInHour(this.db, limit.key, limit.now, sameHash),
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
        // Apps' tokens issued before the change end with it (their grants; RFC 6749 §10.4), and
        // half-done logins with the old password. Before the update below: `stillSame` looks
        // for the old hash (an outside review found them after it, where they never ran).
        endGrantsStatement(this.db, userId, stillSame),
        endPendingLoginsStatement(this.db, userId, stillSame),
        this.db
          .update(users)
          // A reset token asked for before the change must not undo it.
          .set({ hashedPassword, resetToken: null, resetTokenExpiresAt: null, ...backoff })
          .where(allowed)
          .returning({ id: users.id }),
      ]);
      if (changed.length > 0) return { changed: true };
      if (counted && counted.count > PASSWORD_CHANGES_PER_HOUR)
        return { changed: false, limitedUntil: counted.windowStart + LINK_MAIL_WINDOW_SECONDS };
      return { changed: false };
    });
  }

  /**
   * Deletes the user while the stored hash is still `verifiedHash`: one statement, and its
   * sessions and remembered clients go with it (ON DELETE CASCADE), its reset token with the row.
   */
  async deleteUser(userId: number, verifiedHash: string): Promise<boolean> {
    // A lost attempt landed if the user is gone.
    const landed = async () => ((await hashOf(this.db, userId)) === null ? { result: true } : ("absent" as const));
    return this.run("deleteUser", { landed, applied: Boolean }, async () => {
      const deleted = await this.db
        .delete(users)
        .where(and(eq(users.id, userId), eq(users.hashedPassword, verifiedHash)))
        .returning({ id: users.id });
      return deleted.length > 0;
    });
  }
}
