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
    // A random public name for the user (32 hex digits), never reused and unrelated to the row id
    // or the address: the WebAuthn user handle, and the `sub` other apps know the user by. Set by
    // a trigger on insert (migration 0008), so every way a row is made gets one.
    publicId: text("public_id"),
  },
  (table) => [
    // The unique index is what makes concurrent registrations of one address safe.
    uniqueIndex("users_email_unique").on(table.email),
    uniqueIndex("users_public_id_unique").on(table.publicId),
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
    // How the user proved who they were when this session began (RFC 8176 values, space-separated:
    // "pwd", "pwd otp", "pop mfa"...), and when they last proved it again (POST
    // /profile/reauthenticate); null for sessions from before these columns: created_at counts.
    amr: text("amr"),
    reauthenticatedAt: integer("reauthenticated_at", { mode: "number" }),
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
 * A user's TOTP authenticator (RFC 6238: SHA-1, 6 digits, 30 s). The secret is kept encrypted
 * (AES-GCM under ENCRYPTION_KEY); pending until a first code confirms it. `last_used_step` is the
 * last time step a code was accepted for, so a code works once. Wrong codes (and recovery codes)
 * count in a second-factor backoff of the account's own, which a right password never clears.
 */
export const totpCredentials = sqliteTable("totp_credentials", {
  userId: integer("user_id", { mode: "number" })
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  secretEncrypted: text("secret_encrypted").notNull(),
  confirmedAt: integer("confirmed_at", { mode: "number" }),
  lastUsedStep: integer("last_used_step", { mode: "number" }),
  // Set (at random) by the statement that accepts a code, so the rest of its batch (opening the
  // session) can tell its own acceptance from a concurrent one's: of two uses of one code, only
  // the first opens anything.
  codeNonce: text("code_nonce"),
  failedCount: integer("failed_count", { mode: "number" }).notNull().default(0),
  blockedUntil: integer("blocked_until", { mode: "number" }),
  createdAt: integer("created_at", { mode: "number" }).notNull(),
});

export type TotpCredential = typeof totpCredentials.$inferSelect;

/** Single-use recovery codes (ten per set), kept as SHA-256 digests; a used one is deleted. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    userId: integer("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.codeHash] })],
);

/**
 * A login that passed its first factor (a password, a provider) and waits for the second: the
 * browser holds the secret in a short-lived cookie, this row its digest. No session exists
 * until a code ends it; at most 5 codes are tried per pending login.
 */
export const pendingLogins = sqliteTable(
  "pending_logins",
  {
    secretHash: text("secret_hash").primaryKey(),
    userId: integer("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // The first factor's amr ("pwd"), and the remembered client that presented it, if any.
    amr: text("amr").notNull(),
    trustedDeviceHash: text("trusted_device_hash"),
    attempts: integer("attempts", { mode: "number" }).notNull().default(0),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
  },
  (table) => [index("pending_logins_user_id_idx").on(table.userId), index("pending_logins_expires_at_idx").on(table.expiresAt)],
);

export type PendingLogin = typeof pendingLogins.$inferSelect;

/**
 * WebAuthn credentials (passkeys). `id` is our public name for one (lists, deletion); the
 * credential id is the authenticator's. The public key is kept as a JWK (from the COSE key the
 * authenticator gave), with its COSE algorithm; the signature counter and the backup flags
 * (backup eligible, backed up) are kept as the last assertion reported them.
 */
export const passkeys = sqliteTable(
  "passkeys",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    credentialId: text("credential_id").notNull(),
    publicKey: text("public_key").notNull(),
    algorithm: integer("algorithm", { mode: "number" }).notNull(),
    signCount: integer("sign_count", { mode: "number" }).notNull(),
    backupEligible: integer("backup_eligible", { mode: "boolean" }).notNull(),
    backedUp: integer("backed_up", { mode: "boolean" }).notNull(),
    transports: text("transports"),
    name: text("name").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "number" }),
  },
  (table) => [uniqueIndex("passkeys_credential_id_unique").on(table.credentialId), index("passkeys_user_id_idx").on(table.userId)],
);

export type Passkey = typeof passkeys.$inferSelect;

/**
 * WebAuthn challenges, each bound to the browser that asked (its cookie holds the secret, this row
 * its digest), single use, 5 minutes. `user_id` for a registration or a re-authentication.
 */
export const webauthnChallenges = sqliteTable(
  "webauthn_challenges",
  {
    secretHash: text("secret_hash").primaryKey(),
    challenge: text("challenge").notNull(),
    purpose: text("purpose", { enum: ["register", "authenticate"] }).notNull(),
    userId: integer("user_id", { mode: "number" }).references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
  },
  // user_id's index: deleting a user cascades here.
  (table) => [index("webauthn_challenges_expires_at_idx").on(table.expiresAt), index("webauthn_challenges_user_id_idx").on(table.userId)],
);

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
