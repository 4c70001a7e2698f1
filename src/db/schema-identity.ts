import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./schema";

/*
 * Identity across applications: the apps that sign in through this service (its OpenID provider)
 * and the providers people sign in with. Beside schema.ts, which holds the accounts' own tables;
 * drizzle.config.ts reads both.
 */

/**
 * Applications that sign in through this service (OpenID Connect). `id` is the client_id;
 * a confidential client's secret is kept as its SHA-256 (it is 256 random bits, not a password),
 * a public client (a browser or native app, PKCE only) has none. URIs are JSON arrays, matched
 * exactly. Registered with `npm run clients`.
 */
export const oauthClients = sqliteTable("oauth_clients", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  secretHash: text("secret_hash"),
  redirectUris: text("redirect_uris").notNull(),
  postLogoutRedirectUris: text("post_logout_redirect_uris").notNull().default("[]"),
  // First-party clients (the team's own apps) skip the consent page.
  firstParty: integer("first_party", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at", { mode: "number" }).notNull(),
});

export type OAuthClient = typeof oauthClients.$inferSelect;

/** The web origins of public clients' redirect URIs: CORS (without credentials) on /oauth/* for them. */
export const oauthClientOrigins = sqliteTable(
  "oauth_client_origins",
  {
    origin: text("origin").notNull(),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClients.id, { onDelete: "cascade" }),
  },
  (table) => [primaryKey({ columns: [table.origin, table.clientId] }), index("oauth_client_origins_client_id_idx").on(table.clientId)],
);

/** What a user allowed an app to see (the consent page's Allow); the Connected apps page lists them. */
export const oauthConsents = sqliteTable(
  "oauth_consents",
  {
    userId: integer("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClients.id, { onDelete: "cascade" }),
    scope: text("scope").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.clientId] }), index("oauth_consents_client_id_idx").on(table.clientId)],
);

/**
 * Authorization codes: the SHA-256 of the code, single use, 60 s, bound to the client, the
 * redirect URI and the PKCE challenge. `grant_id` is set by the exchange, so a second use finds
 * (and ends) what the first one issued.
 */
export const oauthCodes = sqliteTable(
  "oauth_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClients.id, { onDelete: "cascade" }),
    userId: integer("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    redirectUri: text("redirect_uri").notNull(),
    codeChallenge: text("code_challenge").notNull(),
    scope: text("scope").notNull(),
    nonce: text("nonce"),
    authTime: integer("auth_time", { mode: "number" }).notNull(),
    amr: text("amr").notNull(),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
    usedAt: integer("used_at", { mode: "number" }),
    grantId: text("grant_id"),
  },
  (table) => [
    index("oauth_codes_expires_at_idx").on(table.expiresAt),
    index("oauth_codes_user_id_idx").on(table.userId),
    index("oauth_codes_client_id_idx").on(table.clientId),
  ],
);

/**
 * What one code exchange issued: its access tokens name it (`sid`), its refresh tokens belong to
 * it. Deleting the row ends them all (a reused code or refresh token, a revocation, a password
 * change...). `expires_at`: when the last token it can issue ends (a year with offline_access).
 */
export const oauthGrants = sqliteTable(
  "oauth_grants",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClients.id, { onDelete: "cascade" }),
    scope: text("scope").notNull(),
    authTime: integer("auth_time", { mode: "number" }).notNull(),
    amr: text("amr").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
  },
  (table) => [
    index("oauth_grants_user_id_idx").on(table.userId),
    index("oauth_grants_client_id_idx").on(table.clientId),
    index("oauth_grants_expires_at_idx").on(table.expiresAt),
  ],
);

/**
 * Refresh tokens (SHA-256 of each), rotated on every use: a used one is kept, marked, so that
 * presenting it again is seen as the reuse it is (the whole grant ends). `replaced_by` is the
 * digest of its successor, which makes the rotation a guarded write (only one use wins).
 */
export const oauthRefreshTokens = sqliteTable(
  "oauth_refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    grantId: text("grant_id")
      .notNull()
      .references(() => oauthGrants.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    idleExpiresAt: integer("idle_expires_at", { mode: "number" }).notNull(),
    usedAt: integer("used_at", { mode: "number" }),
    replacedBy: text("replaced_by"),
  },
  (table) => [index("oauth_refresh_tokens_grant_id_idx").on(table.grantId)],
);

/**
 * Sign-in through another provider (GitHub, Google, any OpenID provider): its subject, linked to
 * a user. A returning subject signs in to its user; a new one never takes an address a user has.
 */
export const accounts = sqliteTable(
  "accounts",
  {
    provider: text("provider").notNull(),
    subject: text("subject").notNull(),
    userId: integer("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.provider, table.subject] }), index("accounts_user_id_idx").on(table.userId)],
);
