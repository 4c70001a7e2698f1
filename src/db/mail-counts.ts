import { type SQL, sql } from "drizzle-orm";
import { mailCounts, users } from "./schema";
import type { Drizzle } from "./store";

/**
 * mail_counts: the per-address cap on link mails (reset, verification, a new address's
 * confirmation). Statements only, run by the stores inside their own batches, so a link is stored
 * in the same round trip that counts its mail.
 */

/** Link mails (reset, verification, a new address's confirmation) one address gets per hour at most. */
export const LINK_MAILS_PER_ADDRESS_PER_HOUR = 5;
export const LINK_MAIL_WINDOW_SECONDS = 3600;

/**
 * Counts one link mail to the address with digest `addressHash` in its current hour (a new hour
 * starts the count again), for the user `where` names (nothing is counted when there is none).
 */
export function countLinkMail(db: Drizzle, addressHash: string, now: number, where: SQL | undefined) {
  const ended = now - LINK_MAIL_WINDOW_SECONDS;
  const newHour = sql`${mailCounts.windowStart} <= ${ended}`;
  return db
    .insert(mailCounts)
    .select(
      db
        .select({
          addressHash: sql`${addressHash}`.as("address_hash"),
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
    });
}

/** True while the address's link mails this hour, this one counted, are within the cap. */
export function withinMailCap(addressHash: string): SQL {
  return sql`(SELECT ${mailCounts.count} FROM ${mailCounts} WHERE ${mailCounts.addressHash} = ${addressHash}) <= ${LINK_MAILS_PER_ADDRESS_PER_HOUR}`;
}
