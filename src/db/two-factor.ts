import { and, eq, isNotNull, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import { blockedUntilAfterFailure, clearBackoffStatement } from "./logins";
import { pendingLogins, recoveryCodes, type TotpCredential, totpCredentials, type User, users } from "./schema";
import { type Drizzle, Store } from "./store";

/**
 * totp_credentials and recovery_codes: a user's authenticator (its secret encrypted), the
 * recovery codes (digests), and the second-factor backoff, which is the account's own: a right
 * password never clears it, only a right code does.
 */

/** What a code proved: a TOTP step, or a recovery code (its digest). */
export type CodeProof = { kind: "totp"; step: number } | { kind: "recovery"; codeHash: string };

/** A second-factor attempt, claimed: the authenticator (null: none, or backing off until `blockedUntil`). */
export interface CodeClaim {
  user: User | null;
  totp: TotpCredential | null;
  claimed: boolean;
  blockedUntil: number | null;
}

/** Codes accepted per account per second before any failure (a person types one at a time). */
export const claimWait = (now: number, maxWait: number) =>
  sql`${now} + max(1, coalesce(${blockedUntilAfterFailure(totpCredentials.failedCount, 0, maxWait)}, 0))`;

/** The user's authenticator may check a code now (confirmed, not backing off). */
export const mayCheck = (now: number) =>
  and(isNotNull(totpCredentials.confirmedAt), or(isNull(totpCredentials.blockedUntil), lte(totpCredentials.blockedUntil, now)));

/**
 * Marks a code as used, with `nonce`, and ends the backoff: the TOTP step only if it is later than
 * the last accepted one, a recovery code only if it is still there (then deletes it). The rest of
 * the caller's batch runs only where `codeAccepted(userId, nonce)` holds.
 */
export function acceptCodeStatements(db: Drizzle, userId: number, proof: CodeProof, nonce: string) {
  const reset = { codeNonce: nonce, failedCount: 0, blockedUntil: null };
  if (proof.kind === "totp") {
    return [
      db
        .update(totpCredentials)
        .set({ ...reset, lastUsedStep: proof.step })
        .where(
          and(
            eq(totpCredentials.userId, userId),
            isNotNull(totpCredentials.confirmedAt),
            or(isNull(totpCredentials.lastUsedStep), lt(totpCredentials.lastUsedStep, proof.step)),
          ),
        ),
    ] as const;
  }
  const code = and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, proof.codeHash));
  return [
    db
      .update(totpCredentials)
      .set(reset)
      .where(and(eq(totpCredentials.userId, userId), sql`EXISTS (SELECT 1 FROM ${recoveryCodes} WHERE ${code})`)),
    db.delete(recoveryCodes).where(and(code, codeAccepted(userId, nonce))),
  ] as const;
}

/** True once the caller's acceptance (its nonce) is the one that marked the code. */
export function codeAccepted(userId: number, nonce: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${totpCredentials} WHERE ${totpCredentials.userId} = ${userId} AND ${totpCredentials.codeNonce} = ${nonce})`;
}

/** Stores `hashes` as the user's recovery codes (replacing any), while `onlyIf` holds. */
function replaceCodes(db: Drizzle, userId: number, hashes: string[], now: number, onlyIf: SQL) {
  return [
    db.delete(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), onlyIf)),
    db.insert(recoveryCodes).select(
      db
        .select({
          userId: sql`${userId}`.as("user_id"),
          codeHash: sql`value`.as("code_hash"),
          createdAt: sql`${now}`.as("created_at"),
        })
        .from(sql`json_each(${JSON.stringify(hashes)})`)
        .where(onlyIf),
    ),
  ] as const;
}

export class TwoFactorStore extends Store {
  /** The user's authenticator (pending or confirmed) and how many recovery codes are left. */
  async status(userId: number): Promise<{ totp: TotpCredential | null; recoveryCodesLeft: number }> {
    const [row] = await this.run("twoFactor.status", "read", () =>
      this.db
        .select({
          totp: totpCredentials,
          left: sql<number>`(SELECT count(*) FROM ${recoveryCodes} WHERE ${recoveryCodes.userId} = ${userId})`.as("left"),
        })
        .from(users)
        .leftJoin(totpCredentials, eq(totpCredentials.userId, users.id))
        .where(eq(users.id, userId))
        .limit(1),
    );
    return { totp: row?.totp ?? null, recoveryCodesLeft: row?.left ?? 0 };
  }

  /**
   * Stores a new pending authenticator (replacing a pending one), unless one is confirmed; and
   * clears the login backoff the password check claimed. False when two-factor is on already.
   */
  async begin(userId: number, secretEncrypted: string, now: number, trustedDeviceHash?: string): Promise<boolean> {
    // Run twice, it stores the same pending secret: a repeat is harmless.
    const [stored] = await this.run("twoFactor.begin", "read", () =>
      this.db.batch([
        this.db
          .insert(totpCredentials)
          .values({ userId, secretEncrypted, createdAt: now })
          .onConflictDoUpdate({
            target: totpCredentials.userId,
            set: { secretEncrypted, createdAt: now, lastUsedStep: null, codeNonce: null },
            setWhere: isNull(totpCredentials.confirmedAt),
          })
          .returning({ userId: totpCredentials.userId }),
        clearBackoffStatement(this.db, userId, trustedDeviceHash),
      ]),
    );
    return stored.length > 0;
  }

  /** Confirms the pending authenticator with a code of `step`, and stores the recovery codes. */
  async confirm(userId: number, step: number, codeHashes: string[], now: number): Promise<boolean> {
    const confirmedNow = sql`EXISTS (SELECT 1 FROM ${totpCredentials} WHERE ${totpCredentials.userId} = ${userId} AND ${totpCredentials.confirmedAt} = ${now} AND ${totpCredentials.lastUsedStep} = ${step})`;
    // A lost attempt landed if the authenticator is confirmed at this step.
    const landed = async () => {
      const { totp } = await this.status(userId);
      return totp?.confirmedAt !== null && totp?.lastUsedStep === step ? { result: true } : ("absent" as const);
    };
    return this.run("twoFactor.confirm", { landed, applied: Boolean }, async () => {
      const [confirmed] = await this.db.batch([
        this.db
          .update(totpCredentials)
          .set({ confirmedAt: now, lastUsedStep: step })
          .where(and(eq(totpCredentials.userId, userId), isNull(totpCredentials.confirmedAt)))
          .returning({ userId: totpCredentials.userId }),
        ...replaceCodes(this.db, userId, codeHashes, now, confirmedNow),
      ]);
      return confirmed.length > 0;
    });
  }

  /**
   * Claims the right to check one code for `userId` (logged in: a sensitive action), and reads the
   * authenticator, in one round trip: the claim moves the backoff as if the code will be wrong
   * (at least a second), in the statement that tests it; a right code clears it.
   */
  async claim(userId: number, now: number, maxWait: number): Promise<CodeClaim> {
    // "once": a repeat would count one attempt twice.
    const [claimed, [user], [totp]] = await this.run("twoFactor.claim", "once", () =>
      this.db.batch([
        this.db
          .update(totpCredentials)
          .set({ blockedUntil: claimWait(now, maxWait) })
          .where(and(eq(totpCredentials.userId, userId), mayCheck(now)))
          .returning(),
        // Two selects, not a join: in a batch D1 keys rows by column name, and both tables have created_at.
        this.db.select().from(users).where(eq(users.id, userId)).limit(1),
        this.db.select().from(totpCredentials).where(eq(totpCredentials.userId, userId)).limit(1),
      ]),
    );
    return {
      user: user ?? null,
      totp: claimed[0] ?? totp ?? null,
      claimed: claimed.length > 0,
      blockedUntil: totp?.blockedUntil ?? null,
    };
  }

  /** Marks a code used (and ends the backoff); false when another use got there first. */
  async accept(userId: number, proof: CodeProof, nonce: string): Promise<boolean> {
    // "once": a repeat would find the code used and say so.
    const results = await this.run("twoFactor.accept", "once", () =>
      this.db.batch([
        ...acceptCodeStatements(this.db, userId, proof, nonce),
        this.db
          .select({ one: sql`1` })
          .from(totpCredentials)
          .where(and(eq(totpCredentials.userId, userId), eq(totpCredentials.codeNonce, nonce)))
          .limit(1),
      ]),
    );
    return (results.at(-1) as unknown[]).length > 0;
  }

  /** Counts a wrong code (the claim already set the wait it would bring). */
  async recordFailure(userId: number, now: number, maxWait: number): Promise<void> {
    const failures = totpCredentials.failedCount;
    await this.run("twoFactor.recordFailure", "once", () =>
      this.db
        .update(totpCredentials)
        .set({ failedCount: sql`${failures} + 1`, blockedUntil: claimWait(now, maxWait) })
        .where(eq(totpCredentials.userId, userId)),
    );
  }

  /** Turns two-factor off: the authenticator, the recovery codes and pending logins go. */
  async disable(userId: number): Promise<void> {
    await this.run("twoFactor.disable", "read", () =>
      this.db.batch([
        this.db.delete(totpCredentials).where(eq(totpCredentials.userId, userId)),
        this.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
        this.db.delete(pendingLogins).where(eq(pendingLogins.userId, userId)),
      ]),
    );
  }

  /** A new set of recovery codes (the old ones stop working), while two-factor is on. */
  async replaceRecoveryCodes(userId: number, codeHashes: string[], now: number): Promise<void> {
    const on = sql`EXISTS (SELECT 1 FROM ${totpCredentials} WHERE ${totpCredentials.userId} = ${userId} AND ${totpCredentials.confirmedAt} IS NOT NULL)`;
    // Run twice, it stores the same set.
    await this.run("twoFactor.replaceRecoveryCodes", "read", () => this.db.batch([...replaceCodes(this.db, userId, codeHashes, now, on)]));
  }
}
