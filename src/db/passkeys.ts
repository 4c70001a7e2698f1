import { and, asc, eq, gt, sql } from "drizzle-orm";
import { PasskeyExists } from "./errors";
import { NO_LOGIN_BACKOFF, type DeviceLogin, rememberDeviceStatements } from "./logins";
import { type Passkey, passkeys, sessions, type User, users, webauthnChallenges } from "./schema";
import { capSessionsStatement, insertSessionStatement, type NewSession } from "./sessions";
import { isUniqueViolation, Store } from "./store";

/** A challenge as it is stored: the browser's cookie secret's digest, what it is for, until when. */
export type NewChallenge = typeof webauthnChallenges.$inferInsert;

/** Passkeys one user may have (a person has a few devices; a list of hundreds is an attack). */
export const MAX_PASSKEYS_PER_USER = 20;

/**
 * passkeys and webauthn_challenges: a user's WebAuthn credentials, and the challenges issued to
 * one browser each (single use, 5 minutes). Signing in with a passkey updates its counter and
 * backup flags and opens the session in one batch, only if the counter is still the one checked,
 * so an assertion replayed in parallel opens nothing.
 */
export class PasskeyStore extends Store {
  /** Stores a challenge (and drops this browser's older ones of the same purpose). */
  async addChallenge(challenge: NewChallenge): Promise<void> {
    // Run twice, it stores the same row.
    await this.run("passkeys.addChallenge", "read", () =>
      this.db.insert(webauthnChallenges).values(challenge).onConflictDoUpdate({ target: webauthnChallenges.secretHash, set: challenge }),
    );
  }

  /** Takes (deletes) this browser's live challenge for `purpose`: it works once. */
  async takeChallenge(
    secretHash: string,
    purpose: NewChallenge["purpose"],
    now: number,
  ): Promise<{ challenge: string; userId: number | null } | null> {
    // "once": a repeat would find it gone.
    const [row] = await this.run("passkeys.takeChallenge", "once", () =>
      this.db
        .delete(webauthnChallenges)
        .where(
          and(
            eq(webauthnChallenges.secretHash, secretHash),
            eq(webauthnChallenges.purpose, purpose),
            gt(webauthnChallenges.expiresAt, now),
          ),
        )
        .returning({ challenge: webauthnChallenges.challenge, userId: webauthnChallenges.userId }),
    );
    return row ?? null;
  }

  /** The user's passkeys, oldest first. */
  async list(userId: number): Promise<Passkey[]> {
    return this.run("passkeys.list", "read", () =>
      this.db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt)),
    );
  }

  /**
   * Stores a verified passkey while the session that asked is still live (a passkey must not be
   * added by a session "log out everywhere" just ended) and the user has fewer than the cap.
   * PasskeyExists when this credential is registered already.
   */
  async add(passkey: Passkey, sessionId: string): Promise<boolean> {
    const live = sql`EXISTS (SELECT 1 FROM ${sessions} WHERE ${sessions.id} = ${sessionId} AND ${sessions.userId} = ${passkey.userId})`;
    const room = sql`(SELECT count(*) FROM ${passkeys} WHERE ${passkeys.userId} = ${passkey.userId}) < ${MAX_PASSKEYS_PER_USER}`;
    const landed = async () => {
      const [row] = await this.db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.id, passkey.id)).limit(1);
      return row ? { result: true } : ("absent" as const);
    };
    try {
      return await this.run("passkeys.add", { landed, applied: Boolean }, async () => {
        const added = await this.db
          .insert(passkeys)
          .select(
            this.db
              .select({
                id: sql`${passkey.id}`.as("id"),
                userId: users.id,
                credentialId: sql`${passkey.credentialId}`.as("credential_id"),
                publicKey: sql`${passkey.publicKey}`.as("public_key"),
                algorithm: sql`${passkey.algorithm}`.as("algorithm"),
                signCount: sql`${passkey.signCount}`.as("sign_count"),
                backupEligible: sql`${passkey.backupEligible ? 1 : 0}`.as("backup_eligible"),
                backedUp: sql`${passkey.backedUp ? 1 : 0}`.as("backed_up"),
                transports: sql`${passkey.transports}`.as("transports"),
                name: sql`${passkey.name}`.as("name"),
                createdAt: sql`${passkey.createdAt}`.as("created_at"),
                lastUsedAt: sql`${passkey.lastUsedAt}`.as("last_used_at"),
              })
              .from(users)
              .where(and(eq(users.id, passkey.userId), live, room)),
          )
          .returning({ id: passkeys.id });
        return added.length > 0;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new PasskeyExists("passkey registered already");
      throw error;
    }
  }

  /** Deletes one of the user's passkeys: its name, or null when the user has no such passkey. */
  async remove(userId: number, id: string): Promise<string | null> {
    // "once": a repeat would find nothing and answer "no such passkey".
    const [removed] = await this.run("passkeys.remove", "once", () =>
      this.db
        .delete(passkeys)
        .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
        .returning({ name: passkeys.name }),
    );
    return removed?.name ?? null;
  }

  /**
   * Takes this browser's sign-in challenge and reads the passkey with `credentialId` and its user,
   * in one round trip (the challenge is spent whatever the assertion turns out to be).
   */
  async beginSignIn(
    secretHash: string,
    credentialId: string,
    now: number,
  ): Promise<{ challenge: string | null; passkey: Passkey | null; user: User | null }> {
    // "once": a repeat would find the challenge spent.
    const [taken, [row], [user]] = await this.run("passkeys.beginSignIn", "once", () =>
      this.db.batch([
        this.db
          .delete(webauthnChallenges)
          .where(
            and(
              eq(webauthnChallenges.secretHash, secretHash),
              eq(webauthnChallenges.purpose, "authenticate"),
              gt(webauthnChallenges.expiresAt, now),
            ),
          )
          .returning({ challenge: webauthnChallenges.challenge }),
        this.db.select().from(passkeys).where(eq(passkeys.credentialId, credentialId)).limit(1),
        // Its user by a subquery, not a join: in a batch D1 keys rows by column name, and both tables have id.
        this.db
          .select()
          .from(users)
          .where(eq(users.id, sql`(SELECT ${passkeys.userId} FROM ${passkeys} WHERE ${passkeys.credentialId} = ${credentialId})`))
          .limit(1),
      ]),
    );
    return { challenge: taken[0]?.challenge ?? null, passkey: row ?? null, user: row ? (user ?? null) : null };
  }

  /**
   * After a verified assertion: records the passkey's counter and backup flags (while its counter is
   * still `previousCount`), and in the same batch either opens `opening.session` (and remembers the
   * client) or marks the session `reauthenticated` as freshly proved.
   */
  async used(
    passkey: Pick<Passkey, "id" | "userId">,
    previousCount: number,
    update: Pick<Passkey, "signCount" | "backupEligible" | "backedUp">,
    now: number,
    after: { opening?: { session: NewSession; maxSessions: number; device: DeviceLogin }; reauthenticated?: string } = {},
  ): Promise<boolean> {
    const { opening, reauthenticated } = after;
    const stillSame = sql`EXISTS (SELECT 1 FROM ${passkeys} WHERE ${passkeys.id} = ${passkey.id} AND ${passkeys.lastUsedAt} = ${now} AND ${passkeys.signCount} = ${update.signCount})`;
    // A lost attempt landed if the session it opened (its random id) exists, or, without one, if
    // the passkey shows this use.
    const landed = async () => {
      const [row] = opening
        ? await this.db
            .select({ one: sql`1` })
            .from(sessions)
            .where(eq(sessions.id, opening.session.id))
            .limit(1)
        : await this.db
            .select({ one: sql`1` })
            .from(passkeys)
            .where(and(eq(passkeys.id, passkey.id), eq(passkeys.lastUsedAt, now)))
            .limit(1);
      return row ? { result: true } : ("absent" as const);
    };
    return this.run("passkeys.used", { landed, applied: Boolean }, async () => {
      const [touched] = await this.db.batch([
        this.db
          .update(passkeys)
          .set({ ...update, lastUsedAt: now })
          .where(and(eq(passkeys.id, passkey.id), eq(passkeys.signCount, previousCount)))
          .returning({ id: passkeys.id }),
        ...(opening
          ? [
              insertSessionStatement(this.db, passkey.userId, opening.session, stillSame),
              capSessionsStatement(this.db, passkey.userId, opening.maxSessions),
              ...rememberDeviceStatements(this.db, passkey.userId, stillSame, opening.device),
              // A passkey sign-in is a success like a login's: it ends the account's login backoff.
              this.db
                .update(users)
                .set(NO_LOGIN_BACKOFF)
                .where(and(eq(users.id, passkey.userId), stillSame)),
            ]
          : []),
        // A re-authentication: the proof is recorded on the session that gave it.
        ...(reauthenticated
          ? [
              this.db
                .update(sessions)
                .set({ reauthenticatedAt: now })
                .where(and(eq(sessions.id, reauthenticated), eq(sessions.userId, passkey.userId), stillSame)),
            ]
          : []),
      ]);
      return touched.length > 0;
    });
  }
}
