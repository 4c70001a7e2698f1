import { type SQL, sql } from "drizzle-orm";
import { mailCounts, users } from "./schema";
import type { Drizzle } from "./store";

/**
 * mail_counts: hourly counts of mail that anyone could otherwise make the service send again and
 * again, keyed by a digest. Link mails (reset, verification, a new address's confirmation, a
 * change's cancel link) per address are capped: past the cap nothing is stored or sent. Notices
 * are never dropped; what makes them (a password change) is limited per account instead.
 * Statements only, run by the stores inside their own batches, so what is counted is stored in
 * the same round trip.
 */

/** Link mails (reset, verification, a new address's confirmation) one address gets per hour at most. */
export const LINK_MAILS_PER_ADDRESS_PER_HOUR = 5;
export const LINK_MAIL_WINDOW_SECONDS = 3600;
/** Password changes one account may make per hour (each mails a notice, which is never dropped). */
export const PASSWORD_CHANGES_PER_HOUR = 5;

/**
 * Counts one link mail to the address with digest `addressHash` in its current hour (a new hour
 * starts the count again), for the user `where` names (nothing is counted when there is none).
 */
export function countLinkMail(db: Drizzle, addressHash: string, now: number, where: SQL | undefined) {
  return countInHour(db, addressHash, now, where);
}

/**
 * One more in the current hour of the count keyed `key` (a new hour starts it again), for the
 * user `where` names (nothing is counted when there is none). Returns the count and its hour.
 */
export function countInHour(db: Drizzle, key: string, now: number, where: SQL | undefined) {
  const ended = now - LINK_MAIL_WINDOW_SECONDS;
  const newHour = sql`${mailCounts.windowStart} <= ${ended}`;
  return db
    .insert(mailCounts)
    .select(
      db
        .select({
          addressHash: sql`${key}`.as("address_hash"),
          windowStart: sql`${now}`.as("window_start"),
          count: sql`1`.as("count"),
        })
        .from(users)
        // SQLite needs a WHERE before an upsert's ON CONFLICT; `where` always names one user.
        .where(where)
        .limit(1),
    )
    .onConflictDoUpdate({
      target: mailCounts.addressHash,
      set: {
        count: sql`CASE WHEN ${newHour} THEN 1 ELSE ${mailCounts.count} + 1 END`,
        windowStart: sql`CASE WHEN ${newHour} THEN ${now} ELSE ${mailCounts.windowStart} END`,
      },
    })
    .returning({ count: mailCounts.count, windowStart: mailCounts.windowStart });
}

/** True while the address's link mails this hour, this one counted, are within the cap. */
export function withinMailCap(addressHash: string): SQL {
  return withinCount(addressHash, LINK_MAILS_PER_ADDRESS_PER_HOUR);
}

/** True while the count keyed `key` is at most `cap` (false when there is no count). */
export function withinCount(key: string, cap: number): SQL {
  return sql`(SELECT ${mailCounts.count} FROM ${mailCounts} WHERE ${mailCounts.addressHash} = ${key}) <= ${cap}`;
}
