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
    // session_id and reset_token hold the SHA-256 (hex) of the secret, never the secret itself.
    sessionId: text("session_id"),
    resetToken: text("reset_token"),
    // Unix seconds. A session ends at the earlier of its absolute and its idle deadline.
    sessionExpiresAt: integer("session_expires_at", { mode: "number" }),
    sessionIdleExpiresAt: integer("session_idle_expires_at", { mode: "number" }),
    resetTokenExpiresAt: integer("reset_token_expires_at", { mode: "number" }),
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
    index("users_session_id_idx").on(table.sessionId),
    index("users_reset_token_idx").on(table.resetToken),
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
  (table) => [primaryKey({ columns: [table.userId, table.tokenHash] })],
);

export type LoginDevice = typeof loginDevices.$inferSelect;
