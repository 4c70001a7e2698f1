import { and, desc, eq, gt, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import { users } from "./schema";
import {
  type OAuthClient,
  oauthClientOrigins,
  oauthClients,
  oauthCodes,
  oauthConsents,
  oauthGrants,
  oauthRefreshTokens,
} from "./schema-identity";
import { type Drizzle, Store } from "./store";

export type NewCode = typeof oauthCodes.$inferInsert;
export type NewGrant = typeof oauthGrants.$inferInsert;

/** The user as an app sees them, beside the row that names them. */
const userFields = { email: users.email, emailVerifiedAt: users.emailVerifiedAt, publicId: users.publicId };

/**
 * Ends every grant of a user (their apps' access and refresh tokens), in another store's batch:
 * a password change or reset, "log out everywhere", an undone address change.
 */
export function endGrantsStatement(db: Drizzle, userId: number | SQL, guard?: SQL) {
  return db.delete(oauthGrants).where(and(eq(oauthGrants.userId, userId), guard));
}

/**
 * oauth_clients, their codes, grants and refresh tokens (the OpenID provider). An exchange and a
 * refresh are each one read and one guarded batch: the guard (a code's `used_at`, a token's
 * `replaced_by`) lets only one of two parallel uses win, and a lost use is found by what it wrote.
 */
export class OAuthStore extends Store {
  async client(clientId: string): Promise<OAuthClient | null> {
    const [row] = await this.run("oauth.client", "read", () =>
      this.db.select().from(oauthClients).where(eq(oauthClients.id, clientId)).limit(1),
    );
    return row ?? null;
  }

  /** A public client registered a redirect URI on this web origin (CORS for /oauth/*). */
  async knownOrigin(origin: string): Promise<boolean> {
    const [row] = await this.run("oauth.knownOrigin", "read", () =>
      this.db.select({ o: oauthClientOrigins.origin }).from(oauthClientOrigins).where(eq(oauthClientOrigins.origin, origin)).limit(1),
    );
    return row !== undefined;
  }

  /** The scope the user allowed this client, or null. */
  async consent(userId: number, clientId: string): Promise<string | null> {
    const [row] = await this.run("oauth.consent", "read", () =>
      this.db
        .select({ scope: oauthConsents.scope })
        .from(oauthConsents)
        .where(and(eq(oauthConsents.userId, userId), eq(oauthConsents.clientId, clientId)))
        .limit(1),
    );
    return row?.scope ?? null;
  }

  /** Records consent (Allow) and the code it leads to, in one batch. */
  async allowAndAddCode(consent: { scope: string; now: number } | null, code: NewCode): Promise<void> {
    // Both are absolute writes keyed by their values: running twice stores the same rows.
    await this.run("oauth.addCode", "read", async () => {
      const insertCode = this.db.insert(oauthCodes).values(code).onConflictDoNothing();
      if (!consent) return void (await insertCode);
      const row = { userId: code.userId, clientId: code.clientId, scope: consent.scope, createdAt: consent.now };
      await this.db.batch([
        this.db
          .insert(oauthConsents)
          .values(row)
          .onConflictDoUpdate({ target: [oauthConsents.userId, oauthConsents.clientId], set: { scope: row.scope } }),
        insertCode,
      ]);
    });
  }

  /** The client and the code (with its user), in one round trip. */
  async findCode(clientId: string, codeHash: string) {
    const [[client], [code]] = await this.run("oauth.findCode", "read", () =>
      this.db.batch([
        this.db.select().from(oauthClients).where(eq(oauthClients.id, clientId)).limit(1),
        this.db
          .select({ code: oauthCodes, ...userFields })
          .from(oauthCodes)
          .innerJoin(users, eq(users.id, oauthCodes.userId))
          .where(eq(oauthCodes.codeHash, codeHash))
          .limit(1),
      ]),
    );
    return { client: client ?? null, code: code ?? null };
  }

  /**
   * Spends a code and stores the grant (and the first refresh token) it issues, only if the code
   * was still unused and live. False when another use won.
   */
  async redeem(codeHash: string, now: number, grant: NewGrant, refresh: { tokenHash: string; idleExpiresAt: number } | null) {
    const issued = sql`EXISTS (SELECT 1 FROM ${oauthCodes} WHERE ${oauthCodes.codeHash} = ${codeHash} AND ${oauthCodes.grantId} = ${grant.id})`;
    const landed = async () => {
      const [row] = await this.db.select({ id: oauthGrants.id }).from(oauthGrants).where(eq(oauthGrants.id, grant.id!)).limit(1);
      return row ? { result: true } : ("absent" as const);
    };
    return this.run("oauth.redeem", { landed, applied: Boolean }, async () => {
      const [spent] = await this.db.batch([
        this.db
          .update(oauthCodes)
          .set({ usedAt: now, grantId: grant.id })
          .where(and(eq(oauthCodes.codeHash, codeHash), isNull(oauthCodes.usedAt), gt(oauthCodes.expiresAt, now)))
          .returning({ hash: oauthCodes.codeHash }),
        this.db.insert(oauthGrants).select(
          this.db
            .select({
              id: sql`${grant.id}`.as("id"),
              userId: sql`${grant.userId}`.as("user_id"),
              clientId: sql`${grant.clientId}`.as("client_id"),
              scope: sql`${grant.scope}`.as("scope"),
              authTime: sql`${grant.authTime}`.as("auth_time"),
              amr: sql`${grant.amr}`.as("amr"),
              createdAt: sql`${grant.createdAt}`.as("created_at"),
              expiresAt: sql`${grant.expiresAt}`.as("expires_at"),
            })
            .from(users)
            .where(and(eq(users.id, grant.userId), issued)),
        ),
        ...(refresh ? [insertRefreshStatement(this.db, refresh, grant.id!, now, issued)] : []),
      ]);
      return spent.length === 1;
    });
  }

  /** Ends a grant: its access tokens stop working at userinfo, its refresh tokens everywhere. */
  async endGrant(grantId: string): Promise<void> {
    await this.run("oauth.endGrant", "read", () => this.db.delete(oauthGrants).where(eq(oauthGrants.id, grantId)));
  }

  /** The client and the refresh token (with its grant and user), in one round trip. */
  async findRefreshToken(clientId: string, tokenHash: string) {
    const [[client], [token]] = await this.run("oauth.findRefreshToken", "read", () =>
      this.db.batch([
        this.db.select().from(oauthClients).where(eq(oauthClients.id, clientId)).limit(1),
        this.db
          .select({
            tokenHash: oauthRefreshTokens.tokenHash,
            idleExpiresAt: oauthRefreshTokens.idleExpiresAt,
            usedAt: oauthRefreshTokens.usedAt,
            replacedBy: oauthRefreshTokens.replacedBy,
            grant: oauthGrants,
            ...userFields,
          })
          .from(oauthRefreshTokens)
          .innerJoin(oauthGrants, eq(oauthGrants.id, oauthRefreshTokens.grantId))
          .innerJoin(users, eq(users.id, oauthGrants.userId))
          .where(eq(oauthRefreshTokens.tokenHash, tokenHash))
          .limit(1),
      ]),
    );
    return { client: client ?? null, token: token ?? null };
  }

  /**
   * Rotates a refresh token: the old one is marked used and replaced by `next`, only if it is
   * still what was read (`replacedBy`: null, or the successor a retry within the reuse interval
   * replaces, which is then dropped). False when another use won.
   */
  async rotate(
    oldHash: string,
    replacedBy: string | null,
    next: { tokenHash: string; idleExpiresAt: number },
    grantId: string,
    now: number,
  ): Promise<boolean> {
    const mine = sql`EXISTS (SELECT 1 FROM ${oauthRefreshTokens} WHERE ${oauthRefreshTokens.tokenHash} = ${oldHash} AND ${oauthRefreshTokens.replacedBy} = ${next.tokenHash})`;
    const landed = async () => {
      const [row] = await this.db
        .select({ h: oauthRefreshTokens.tokenHash })
        .from(oauthRefreshTokens)
        .where(eq(oauthRefreshTokens.tokenHash, next.tokenHash))
        .limit(1);
      return row ? { result: true } : ("absent" as const);
    };
    return this.run("oauth.rotate", { landed, applied: Boolean }, async () => {
      const [rotated] = await this.db.batch([
        this.db
          .update(oauthRefreshTokens)
          .set({ usedAt: sql`coalesce(${oauthRefreshTokens.usedAt}, ${now})`, replacedBy: next.tokenHash })
          .where(
            and(
              eq(oauthRefreshTokens.tokenHash, oldHash),
              replacedBy === null
                ? isNull(oauthRefreshTokens.replacedBy)
                : // A retry replaces only a successor nobody used: a used one means the chain went on.
                  and(
                    eq(oauthRefreshTokens.replacedBy, replacedBy),
                    sql`NOT EXISTS (SELECT 1 FROM ${oauthRefreshTokens} AS successor WHERE successor.token_hash = ${replacedBy} AND successor.used_at IS NOT NULL)`,
                  ),
            ),
          )
          .returning({ h: oauthRefreshTokens.tokenHash }),
        // The successor a lost answer carried is never used: only one live token per grant.
        ...(replacedBy === null
          ? []
          : [
              this.db
                .delete(oauthRefreshTokens)
                .where(and(eq(oauthRefreshTokens.tokenHash, replacedBy), isNull(oauthRefreshTokens.usedAt), mine)),
            ]),
        insertRefreshStatement(this.db, next, grantId, now, mine),
      ]);
      return rotated.length === 1;
    });
  }

  /** A live grant and its user, for an access token's `sid` (userinfo, the service binding). */
  async liveGrant(grantId: string, now: number) {
    const [row] = await this.run("oauth.liveGrant", "read", () =>
      this.db
        .select({ clientId: oauthGrants.clientId, scope: oauthGrants.scope, userId: users.id, ...userFields })
        .from(oauthGrants)
        .innerJoin(users, eq(users.id, oauthGrants.userId))
        .where(and(eq(oauthGrants.id, grantId), gt(oauthGrants.expiresAt, now)))
        .limit(1),
    );
    return row ?? null;
  }

  /** RFC 7009: ends the grant of a refresh token or an access token's `sid`, if it is this client's. */
  async revoke(clientId: string, by: { tokenHash?: string; grantId?: string }): Promise<void> {
    const grants: string[] = [];
    if (by.grantId) grants.push(by.grantId);
    const fromToken = by.tokenHash
      ? sql`(SELECT ${oauthRefreshTokens.grantId} FROM ${oauthRefreshTokens} WHERE ${oauthRefreshTokens.tokenHash} = ${by.tokenHash})`
      : undefined;
    await this.run("oauth.revoke", "read", () =>
      this.db
        .delete(oauthGrants)
        .where(
          and(
            eq(oauthGrants.clientId, clientId),
            or(grants.length ? inArray(oauthGrants.id, grants) : undefined, fromToken ? eq(oauthGrants.id, fromToken) : undefined),
          ),
        ),
    );
  }

  /** The apps a user allowed or that hold live grants, newest first. */
  async connectedApps(userId: number, now: number): Promise<{ clientId: string; name: string; scope: string | null; since: number }[]> {
    return this.run("oauth.connectedApps", "read", () =>
      this.db
        .select({
          clientId: oauthClients.id,
          name: oauthClients.name,
          scope: sql<
            string | null
          >`(SELECT ${oauthConsents.scope} FROM ${oauthConsents} WHERE ${oauthConsents.userId} = ${userId} AND ${oauthConsents.clientId} = ${oauthClients.id})`,
          since: sql<number>`coalesce((SELECT min(${oauthGrants.createdAt}) FROM ${oauthGrants} WHERE ${oauthGrants.userId} = ${userId} AND ${oauthGrants.clientId} = ${oauthClients.id} AND ${oauthGrants.expiresAt} > ${now}), (SELECT ${oauthConsents.createdAt} FROM ${oauthConsents} WHERE ${oauthConsents.userId} = ${userId} AND ${oauthConsents.clientId} = ${oauthClients.id}))`,
        })
        .from(oauthClients)
        .where(
          or(
            sql`EXISTS (SELECT 1 FROM ${oauthConsents} WHERE ${oauthConsents.userId} = ${userId} AND ${oauthConsents.clientId} = ${oauthClients.id})`,
            sql`EXISTS (SELECT 1 FROM ${oauthGrants} WHERE ${oauthGrants.userId} = ${userId} AND ${oauthGrants.clientId} = ${oauthClients.id} AND ${oauthGrants.expiresAt} > ${now})`,
          ),
        )
        .orderBy(desc(oauthClients.createdAt)),
    );
  }

  /** Revokes an app for a user: its consent and every grant (the Connected apps page). */
  async revokeApp(userId: number, clientId: string): Promise<boolean> {
    // "once": the answer says whether there was anything to revoke, which a repeat would not know.
    const [grants, consents] = await this.run("oauth.revokeApp", "once", () =>
      this.db.batch([
        this.db
          .delete(oauthGrants)
          .where(and(eq(oauthGrants.userId, userId), eq(oauthGrants.clientId, clientId)))
          .returning({ id: oauthGrants.id }),
        this.db
          .delete(oauthConsents)
          .where(and(eq(oauthConsents.userId, userId), eq(oauthConsents.clientId, clientId)))
          .returning({ id: oauthConsents.clientId }),
      ]),
    );
    return grants.length + consents.length > 0;
  }
}

function insertRefreshStatement(
  db: Drizzle,
  token: { tokenHash: string; idleExpiresAt: number },
  grantId: string,
  now: number,
  guard: SQL,
) {
  return db.insert(oauthRefreshTokens).select(
    db
      .select({
        tokenHash: sql`${token.tokenHash}`.as("token_hash"),
        grantId: oauthGrants.id,
        createdAt: sql`${now}`.as("created_at"),
        idleExpiresAt: sql`${token.idleExpiresAt}`.as("idle_expires_at"),
        usedAt: sql`NULL`.as("used_at"),
        replacedBy: sql`NULL`.as("replaced_by"),
      })
      .from(oauthGrants)
      .where(and(eq(oauthGrants.id, grantId), guard)),
  );
}
