import { and, asc, lte, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { LINK_MAIL_WINDOW_SECONDS } from "./mail-counts";
import { TRUSTED_DEVICE_SECONDS } from "./logins";
import { emailTokens, loginDevices, mailCounts, pendingLogins, sessions, users, webauthnChallenges } from "./schema";
import { oauthCodes, oauthGrants } from "./schema-identity";

import { type Drizzle, Store } from "./store";

/**
 * Deletes at most `limit` rows of `table` whose `deadline` is at or before `cutoff`, oldest first,
 * found through the index on the deadline and removed by `key` (the table's primary key).
 */
function deleteDue(
  db: Drizzle,
  table: SQLiteTable,
  key: SQLiteColumn[],
  deadline: SQLiteColumn,
  cutoff: number,
  limit: number,
  only?: SQL,
) {
  const columns = sql.join(key, sql`, `);
  const due = db
    .select(Object.fromEntries(key.map((column) => [column.name, column])))
    .from(table)
    .where(and(lte(deadline, cutoff), only))
    .orderBy(asc(deadline))
    .limit(limit);
  return db
    .delete(table)
    .where(sql`(${columns}) IN (${due})`)
    .returning({ one: sql`1` });
}

/** What a clean-up removed, by kind (a log line's fields). */
export interface CleanUpCounts {
  sessions: number;
  resetTokens: number;
  devices: number;
  challenges: number;
  /** Expired authorization codes (a used one once its grant is gone), and grants that have ended (their refresh tokens go with them). */
  appTokens: number;
}

/**
 * The daily clean-up's statements, one bounded round in one batch. Nothing here is needed for
 * correctness (every read checks deadlines); it keeps the tables small.
 */
export class CleanUpStore extends Store {
  /**
   * At most `limit` of each: ended sessions (by either deadline), expired reset tokens and
   * links, clients not seen for a year, counts of hours that have ended, pending logins and
   * WebAuthn challenges past their 5 minutes, expired authorization codes (a used one only once
   * the grant it issued is gone), and grants that have ended with their refresh tokens (every
   * rotation keeps the used token behind it, so a replay ends the grant however late). Returns what each kind removed, so the caller can
   * stop when a round finds less than `limit`.
   */
  async cleanUp(now: number, limit: number): Promise<CleanUpCounts> {
    // Deleting what has expired is harmless to repeat (the counts only go to a log line).
    const [absolute, idle, tokens, devices, links, , pending, challenges, codes, grants] = await this.run("cleanUp", "read", () =>
      this.db.batch([
        deleteDue(this.db, sessions, [sessions.id], sessions.expiresAt, now, limit),
        deleteDue(this.db, sessions, [sessions.id], sessions.idleExpiresAt, now, limit),
        this.db
          .update(users)
          .set({ resetToken: null, resetTokenExpiresAt: null })
          .where(
            sql`${users.id} IN (${this.db.select({ id: users.id }).from(users).where(lte(users.resetTokenExpiresAt, now)).limit(limit)})`,
          )
          .returning({ id: users.id }),
        deleteDue(
          this.db,
          loginDevices,
          [loginDevices.userId, loginDevices.tokenHash],
          loginDevices.lastLoginAt,
          now - TRUSTED_DEVICE_SECONDS,
          limit,
        ),
        deleteDue(this.db, emailTokens, [emailTokens.tokenHash], emailTokens.expiresAt, now, limit),
        deleteDue(this.db, mailCounts, [mailCounts.addressHash], mailCounts.windowStart, now - LINK_MAIL_WINDOW_SECONDS, limit),
        deleteDue(this.db, pendingLogins, [pendingLogins.secretHash], pendingLogins.expiresAt, now, limit),
        deleteDue(this.db, webauthnChallenges, [webauthnChallenges.secretHash], webauthnChallenges.expiresAt, now, limit),
        // A used code stays while the grant it issued lives: presented again, it ends that grant
        // (RFC 6749 §4.1.2), however late.
        deleteDue(
          this.db,
          oauthCodes,
          [oauthCodes.codeHash],
          oauthCodes.expiresAt,
          now,
          limit,
          sql`(${oauthCodes.grantId} IS NULL OR NOT EXISTS (SELECT 1 FROM ${oauthGrants} WHERE ${oauthGrants.id} = ${oauthCodes.grantId}))`,
        ),
        deleteDue(this.db, oauthGrants, [oauthGrants.id], oauthGrants.expiresAt, now, limit),
      ]),
    );
    return {
      sessions: absolute.length + idle.length,
      resetTokens: tokens.length + links.length,
      devices: devices.length,
      challenges: pending.length + challenges.length,
      appTokens: codes.length + grants.length,
    };
  }
}
