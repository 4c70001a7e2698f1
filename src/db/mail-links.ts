import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { type EmailToken, emailTokens, mailCounts, users } from "./schema";

/**
 * The statements behind mailed links (email_tokens) and the per-address cap on link mails
 * (mail_counts), built here and run by DB inside its batches.
 */

type Drizzle = DrizzleD1Database & { $client: D1Database };

/** Link mails (reset, verification, a new address's confirmation) one address gets per hour at most. */
export const LINK_MAILS_PER_ADDRESS_PER_HOUR = 5;
export const LINK_MAIL_WINDOW_SECONDS = 3600;

/** A link about to be stored: its token's digest, what it is for, and its deadline. */
export interface NewLink {
  tokenHash: string;
  now: number;
  expiresAt: number;
}

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

/**
 * Stores a link of `purpose` for every user matching `where` (one at most: it names a user by
 * id or address), for `email` (a column of users, or a value such as the new address).
 */
export function insertLink(
  db: Drizzle,
  purpose: EmailToken["purpose"],
  link: NewLink,
  where: SQL | undefined,
  email: SQL = sql`${users.email}`,
) {
  return db
    .insert(emailTokens)
    .select(
      db
        .select({
          tokenHash: sql`${link.tokenHash}`.as("token_hash"),
          userId: users.id,
          purpose: sql`${purpose}`.as("purpose"),
          email: email.as("email"),
          createdAt: sql`${link.now}`.as("created_at"),
          expiresAt: sql`${link.expiresAt}`.as("expires_at"),
        })
        .from(users)
        .where(where),
    )
    .returning({ userId: emailTokens.userId });
}

/** Ends the user's links of these kinds (all of them: they are for one account). */
export function endLinks(db: Drizzle, userId: number | SQL, purposes: EmailToken["purpose"][], onlyIf?: SQL) {
  return db.delete(emailTokens).where(and(eq(emailTokens.userId, userId), inArray(emailTokens.purpose, purposes), onlyIf));
}

/** A pending address change: its confirmation (to the new address) and the cancel link (to the current one). */
export const PENDING_CHANGE: EmailToken["purpose"][] = ["change", "cancel"];
