import { and, desc, eq, gt, lt, notInArray, type SQL, sql } from "drizzle-orm";
import { clearBackoffStatement, type DeviceLogin, rememberDeviceStatements } from "./logins";
import { type PendingLogin, pendingLogins, type TotpCredential, totpCredentials, type User, users } from "./schema";
import { capSessionsStatement, insertSessionStatement, type NewSession } from "./sessions";
import { type Drizzle, Store } from "./store";
import { acceptCodeStatements, claimWait, type CodeProof, codeAccepted, mayCheck } from "./two-factor";

/** Codes a pending login may try; then the person logs in again. */
export const PENDING_LOGIN_TRIES = 5;
/** Pending logins one account keeps (the newest); older ones end. */
const PENDING_LOGINS_PER_USER = 10;

/** A pending login's second-factor attempt, claimed (see TwoFactorStore.claim). */
export interface PendingClaim {
  pending: PendingLogin | null;
  user: User | null;
  totp: TotpCredential | null;
  claimed: boolean;
  blockedUntil: number | null;
}

/**
 * pending_logins: logins that passed their first factor and wait for a code. Opening one costs the
 * login's second round trip (as opening a session would); finishing one marks the code used and
 * opens the session in one batch, so of two uses of one code only the first opens anything.
 */
export class PendingLoginStore extends Store {
  /** Stores a pending login, and clears the login backoff the right password claimed. */
  async open(pending: Omit<PendingLogin, "attempts">): Promise<void> {
    // Run twice, it inserts the same row (the second is refused by the key and ignored).
    await this.run("pendingLogins.open", "read", () =>
      this.db.batch([
        this.db.insert(pendingLogins).values(pending).onConflictDoNothing(),
        this.db
          .delete(pendingLogins)
          .where(
            and(
              eq(pendingLogins.userId, pending.userId),
              notInArray(
                pendingLogins.secretHash,
                this.db
                  .select({ secretHash: pendingLogins.secretHash })
                  .from(pendingLogins)
                  .where(eq(pendingLogins.userId, pending.userId))
                  .orderBy(desc(pendingLogins.createdAt))
                  .limit(PENDING_LOGINS_PER_USER),
              ),
            ),
          ),
        clearBackoffStatement(this.db, pending.userId, pending.trustedDeviceHash ?? undefined),
      ]),
    );
  }

  /**
   * Claims one code for the pending login with this digest: one more of its tries, and the
   * account's second-factor throttle (as TwoFactorStore.claim does), in one round trip.
   */
  async claim(secretHash: string, now: number, maxWait: number): Promise<PendingClaim> {
    const live = and(eq(pendingLogins.secretHash, secretHash), gt(pendingLogins.expiresAt, now));
    const owner = sql`(SELECT ${pendingLogins.userId} FROM ${pendingLogins} WHERE ${live} AND ${pendingLogins.attempts} <= ${PENDING_LOGIN_TRIES})`;
    // "once": a repeat would count one try twice.
    const [tried, claimed, [user], [totp]] = await this.run("pendingLogins.claim", "once", () =>
      this.db.batch([
        this.db
          .update(pendingLogins)
          .set({ attempts: sql`${pendingLogins.attempts} + 1` })
          .where(and(live, lt(pendingLogins.attempts, PENDING_LOGIN_TRIES)))
          .returning(),
        this.db
          .update(totpCredentials)
          .set({ blockedUntil: claimWait(now, maxWait) })
          .where(and(eq(totpCredentials.userId, owner), mayCheck(now)))
          .returning(),
        // Two selects, not a join: in a batch D1 keys rows by column name, and both tables have created_at.
        this.db.select().from(users).where(eq(users.id, owner)).limit(1),
        this.db.select().from(totpCredentials).where(eq(totpCredentials.userId, owner)).limit(1),
      ]),
    );
    const pending = tried[0] ?? null;
    return {
      pending,
      user: pending ? (user ?? null) : null,
      totp: claimed[0] ?? totp ?? null,
      claimed: pending !== null && claimed.length > 0,
      blockedUntil: totp?.blockedUntil ?? null,
    };
  }

  /**
   * Finishes a pending login with a right code: marks it used, ends the pending login, opens the
   * session (the user's `maxSessions` most recent kept) and remembers the client, in one batch,
   * all only if this use of the code is the one that marked it. False when another got there first.
   */
  async finish(
    secretHash: string,
    userId: number,
    proof: CodeProof,
    nonce: string,
    session: NewSession,
    maxSessions: number,
    device: DeviceLogin,
  ): Promise<boolean> {
    const accepted = codeAccepted(userId, nonce);
    const guard = sql`${accepted}`;
    // A lost attempt landed if the session (its random id) exists.
    const landed = async () => {
      const [row] = await this.db
        .select({ one: sql`1` })
        .from(totpCredentials)
        .where(accepted)
        .limit(1);
      return row ? { result: true } : ("absent" as const);
    };
    return this.run("pendingLogins.finish", { landed, applied: Boolean }, async () => {
      const accept = acceptCodeStatements(this.db, userId, proof, nonce);
      const [opened] = (
        await this.db.batch([
          ...accept,
          this.db.delete(pendingLogins).where(and(eq(pendingLogins.secretHash, secretHash), accepted)),
          insertSessionStatement(this.db, userId, session, guard),
          capSessionsStatement(this.db, userId, maxSessions),
          ...rememberDeviceStatements(this.db, userId, guard, device),
        ])
      ).slice(accept.length + 1) as [unknown[]];
      return opened.length > 0;
    });
  }
}

/**
 * Ends a user's pending logins, in another store's batch: a password that was right a minute ago
 * must not finish a login after a reset, a change or "log out everywhere".
 */
export function endPendingLoginsStatement(db: Drizzle, userId: number | SQL, guard?: SQL) {
  return db.delete(pendingLogins).where(and(eq(pendingLogins.userId, userId), guard));
}
