import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The one source of truth for the users table. Property names are the camelCase twins of the
 * original Flask model's columns (`hashed_password` -> `hashedPassword`).
 */
export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull(),
    hashedPassword: text("hashed_password").notNull(),
    // reset_token holds the SHA-256 (hex) of the token, never the token itself. Sessions have a
    // table of their own (below).
    resetToken: text("reset_token"),
    resetTokenExpiresAt: integer("reset_token_expires_at", { mode: "number" }),
    // When the owner proved the address is theirs (a link sent to it was followed); null until then.
    emailVerifiedAt: integer("email_verified_at", { mode: "number" }),
    // Consecutive failed logins and the time before which no login attempt is checked.
    failedLoginCount: integer("failed_login_count", { mode: "number" }).notNull().default(0),
    loginBlockedUntil: integer("login_blocked_until", { mode: "number" }),
    // Attempts checked in the second `loginChecksAt` (Unix seconds): before any failure there is
    // no wait to serialise a burst, so at most MAX_LOGIN_CHECKS_PER_SECOND are checked a second.
    loginChecksAt: integer("login_checks_at", { mode: "number" }),
    loginChecks: integer("login_checks", { mode: "number" }).notNull().default(0),
    createdAt: integer("created_at", { mode: "number" })
      .notNull()
      .default(sql`(unixepoch())`),
  },
  (table) => [
    // The unique index is what makes concurrent registrations of one address safe.
    uniqueIndex("users_email_unique").on(table.email),
    index("users_reset_token_idx").on(table.resetToken),
    // The daily clean-up finds expired reset tokens without reading every user.
    index("users_reset_token_expires_at_idx").on(table.resetTokenExpiresAt),
  ],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

/**
 * Clients that have logged in to an account before (OWASP's "device cookies"). The browser keeps
 * a random token in the `device` cookie; this table keeps its SHA-256 per account, with a login
 * backoff of its own. Failed logins from unknown clients back off the account (users'
 * columns), so an attacker guessing from anywhere cannot lock out a user whose browser has
 * logged in before: that browser is throttled only by its own failures.
 */
export const loginDevices = sqliteTable(
  "login_devices",
  {
    userId: integer("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    failedLoginCount: integer("failed_login_count", { mode: "number" }).notNull().default(0),
    loginBlockedUntil: integer("login_blocked_until", { mode: "number" }),
    loginChecksAt: integer("login_checks_at", { mode: "number" }),
    loginChecks: integer("login_checks", { mode: "number" }).notNull().default(0),
    lastLoginAt: integer("last_login_at", { mode: "number" }).notNull(),
  },
  // user_id first: the lookup is always (account, token), and deleting a user finds its rows.
  (table) => [
    primaryKey({ columns: [table.userId, table.tokenHash] }),
    // The daily clean-up finds clients not seen for a year.
    index("login_devices_last_login_at_idx").on(table.lastLoginAt),
  ],
);

export type LoginDevice = typeof loginDevices.$inferSelect;

/**
 * One row per session (Lucia's model). The cookie holds the secret; the row keeps only its
 * SHA-256 (`secret_hash`), so a dump opens no session. `id` is a public name for the session
 * (lists, "end this one"), random and unrelated to the secret, useless for logging in. A session
 * ends at the earlier of its absolute deadline and its idle deadline, which moves (with
 * last_used_at) at most once per refresh step.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    secretHash: text("secret_hash").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
    idleExpiresAt: integer("idle_expires_at", { mode: "number" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "number" }).notNull(),
    // A short label from User-Agent ("Firefox on Linux"), and Cloudflare's country code: never
    // the IP address.
    device: text("device"),
    country: text("country"),
  },
  (table) => [
    uniqueIndex("sessions_secret_hash_unique").on(table.secretHash),
    // A user's sessions, most recently used first: lists and the per-user cap.
    index("sessions_user_id_last_used_at_idx").on(table.userId, table.lastUsedAt),
    // The daily clean-up finds ended sessions by either deadline.
    index("sessions_expires_at_idx").on(table.expiresAt),
    index("sessions_idle_expires_at_idx").on(table.idleExpiresAt),
  ],
);

export type Session = typeof sessions.$inferSelect;

/**
 * Single-use tokens sent by mail: `verify` (proves the account's address), `change` (a new
 * address, in `email`, before it replaces the old one), `cancel` (sent to the current address,
 * ends a pending change), `revert` (sent to the old address once a change is done, gives it back
 * with a new password) and `reset` (a reset link, RESET_TOKEN_DELIVERY=email; the seed's
 * `response` mode keeps its one token in users.reset_token). Only the SHA-256 of the token is
 * kept; a token works once, before `expires_at`. An account may have several live links of a
 * kind: asking again never ends the one already in a mailbox, and using one ends them all.
 */
export const emailTokens = sqliteTable(
  "email_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: integer("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: ["verify", "change", "cancel", "reset", "revert"] }).notNull(),
    email: text("email").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
  },
  (table) => [index("email_tokens_user_id_idx").on(table.userId), index("email_tokens_expires_at_idx").on(table.expiresAt)],
);

export type EmailToken = typeof emailTokens.$inferSelect;

/**
 * Link mails (reset, verification, a new address's confirmation) sent to one address in the
 * current hour, so nobody can flood a mailbox through the service (Workers' rate-limit binding
 * only counts per 10 or 60 s). Keyed by the SHA-256 of the normalised address, so addresses that
 * never had an account are not kept in the clear. Notices are not counted: they are never capped.
 */
export const mailCounts = sqliteTable(
  "mail_counts",
  {
    addressHash: text("address_hash").primaryKey(),
    windowStart: integer("window_start", { mode: "number" }).notNull(),
    count: integer("count", { mode: "number" }).notNull(),
  },
  // The daily clean-up finds windows that have ended.
  (table) => [index("mail_counts_window_start_idx").on(table.windowStart)],
);
