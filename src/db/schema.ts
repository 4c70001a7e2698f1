import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
    sessionId: text("session_id"),
    resetToken: text("reset_token"),
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
