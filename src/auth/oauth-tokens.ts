import { errors as joseErrors, type JWTPayload } from "jose";
import type { OAuthClient } from "../db/schema-identity";
import { OAuthError } from "./errors";
import { Flow } from "./flow";
import { randomSecret } from "./oauth-authorize";
import { sign, signingKeys, verify } from "./oauth-keys";
import { constantTimeEqual, randomId, sha256Hex, slotOf } from "./tokens";

/** Access tokens (RFC 9068 JWTs) and ID tokens live 10 minutes. */
export const ACCESS_TOKEN_SECONDS = 600;
/** A refresh token unused for 30 days ends; a grant with offline access ends after a year. */
export const REFRESH_IDLE_SECONDS = 30 * 24 * 60 * 60;
export const REFRESH_ABSOLUTE_SECONDS = 365 * 24 * 60 * 60;

/** How the client authenticated at the token endpoint: the Authorization header, or the body. */
export interface ClientCredentials {
  clientId?: string;
  clientSecret?: string;
  /** Credentials came in `Authorization: Basic` (an invalid_client answer then carries WWW-Authenticate). */
  basic: boolean;
}

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

/** The user an access token names, as the userinfo endpoint and the service binding give it. */
export interface TokenUser {
  sub: string;
  userId: number;
  email: string;
  emailVerified: boolean;
  clientId: string;
  scope: string;
  expiresAt: number;
}

interface Subject {
  publicId: string | null;
  email: string;
  emailVerifiedAt: number | null;
}

/**
 * The token side of the provider: the token endpoint's two grants (RFC 6749 §4.1.3 with PKCE,
 * §6 with rotation), userinfo, revocation (RFC 7009), and verifying our own JWTs. No cookie is
 * read here: clients authenticate by their credentials, PKCE or a bearer token.
 */
export class OAuthTokens extends Flow {
  private keys() {
    return signingKeys(this.options.oidc.signingKeys);
  }

  /** Public keys for GET /oauth/jwks. */
  async jwks() {
    return { keys: (await this.keys()).jwks };
  }

  /** RFC 6749 §2.3.1: a confidential client's secret, a public client's id alone. */
  private authenticate(client: OAuthClient | null, credentials: ClientCredentials): Promise<OAuthClient> | OAuthClient {
    const refuse = () => new OAuthError("invalid_client", "client authentication failed", 401);
    if (!client) throw refuse();
    if (client.secretHash === null) {
      if (credentials.clientSecret !== undefined) throw refuse();
      return client;
    }
    if (credentials.clientSecret === undefined) throw refuse();
    return sha256Hex(credentials.clientSecret).then((digest) => {
      if (!constantTimeEqual(digest, client.secretHash!)) throw refuse();
      return client;
    });
  }

  /** POST /oauth/token, grant_type=authorization_code: two round trips (find, redeem). */
  async exchangeCode(credentials: ClientCredentials, body: Record<string, string | undefined>): Promise<TokenResponse> {
    if (!credentials.clientId) throw new OAuthError("invalid_client", "client authentication failed", 401);
    if (!body.code || !body.redirect_uri || !body.code_verifier) {
      throw new OAuthError("invalid_request", "code, redirect_uri and code_verifier are required");
    }
    const codeHash = await sha256Hex(body.code);
    const { client, code: found } = await this.db.oauth.findCode(credentials.clientId, codeHash);
    await this.authenticate(client, credentials);
    const now = this.now();
    const invalid = (why: string) => new OAuthError("invalid_grant", why);
    if (!found || found.code.clientId !== client!.id) throw invalid("unknown, expired or used code");
    const { code } = found;
    if (code.usedAt !== null) {
      // A second use: whoever holds it, what the first use issued ends (RFC 6749 §4.1.2).
      if (code.grantId) await this.db.oauth.endGrant(code.grantId);
      throw invalid("unknown, expired or used code");
    }
    if (code.expiresAt <= now) throw invalid("unknown, expired or used code");
    if (code.redirectUri !== body.redirect_uri) throw invalid("redirect_uri is not the one the code was issued for");
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(body.code_verifier) || (await s256(body.code_verifier)) !== code.codeChallenge) {
      throw invalid("code_verifier does not match the code_challenge");
    }
    const offline = code.scope.split(" ").includes("offline_access");
    const grant = {
      id: randomId(),
      userId: code.userId,
      clientId: code.clientId,
      scope: code.scope,
      authTime: code.authTime,
      amr: code.amr,
      createdAt: now,
      expiresAt: now + (offline ? REFRESH_ABSOLUTE_SECONDS : ACCESS_TOKEN_SECONDS),
    };
    const refreshToken = offline ? randomSecret(slotOf(found.publicId)) : undefined;
    const refresh = refreshToken
      ? { tokenHash: await sha256Hex(refreshToken), idleExpiresAt: Math.min(now + REFRESH_IDLE_SECONDS, grant.expiresAt) }
      : null;
    if (!(await this.db.oauth.redeem(codeHash, now, grant, refresh))) {
      // Another use of the code won the race: what it issued ends too (a code works once).
      const again = await this.db.oauth.findCode(client!.id, codeHash);
      if (again.code?.code.grantId) await this.db.oauth.endGrant(again.code.code.grantId);
      throw invalid("unknown, expired or used code");
    }
    return this.tokens(found, grant, { nonce: code.nonce, refreshToken });
  }

  /** POST /oauth/token, grant_type=refresh_token: rotation, reuse ends the grant. Two round trips. */
  async refresh(credentials: ClientCredentials, body: Record<string, string | undefined>): Promise<TokenResponse> {
    if (!credentials.clientId) throw new OAuthError("invalid_client", "client authentication failed", 401);
    if (!body.refresh_token) throw new OAuthError("invalid_request", "refresh_token is required");
    const tokenHash = await sha256Hex(body.refresh_token);
    const { client, token } = await this.db.oauth.findRefreshToken(credentials.clientId, tokenHash);
    await this.authenticate(client, credentials);
    const now = this.now();
    const invalid = () => new OAuthError("invalid_grant", "unknown, expired or revoked refresh token");
    if (!token || token.grant.clientId !== client!.id) throw invalid();
    const { grant } = token;
    const interval = this.options.oidc.refreshReuseIntervalSeconds;
    const retry = token.usedAt !== null && interval > 0 && now - token.usedAt <= interval;
    if (token.usedAt !== null && !retry) {
      // A used token presented again: it was stolen, or its holder was. The whole grant ends.
      await this.db.oauth.endGrant(grant.id);
      throw invalid();
    }
    if (token.idleExpiresAt <= now || grant.expiresAt <= now) throw invalid();
    let scope = grant.scope;
    if (body.scope !== undefined) {
      const asked = body.scope.split(" ").filter(Boolean);
      if (asked.some((s) => !grant.scope.split(" ").includes(s))) throw new OAuthError("invalid_scope", "scope is wider than the grant");
      scope = asked.join(" ");
    }
    const refreshToken = randomSecret(slotOf(token.publicId));
    const next = { tokenHash: await sha256Hex(refreshToken), idleExpiresAt: Math.min(now + REFRESH_IDLE_SECONDS, grant.expiresAt) };
    if (!(await this.db.oauth.rotate(tokenHash, retry ? token.replacedBy : null, next, grant.id, now))) {
      // Another use of the same token won the race, or (a retry) the chain went on past the token
      // presented: either way a token was used twice. The grant ends.
      await this.db.oauth.endGrant(grant.id);
      throw invalid();
    }
    return this.tokens(token, { ...grant, scope }, { nonce: null, refreshToken });
  }

  private async tokens(
    subject: Subject,
    grant: { id: string; clientId: string; scope: string; authTime: number; amr: string },
    extra: { nonce: string | null; refreshToken?: string },
  ): Promise<TokenResponse> {
    const keys = await this.keys();
    const now = this.now();
    const issuer = this.options.publicUrl;
    const sub = subject.publicId!;
    const scopes = grant.scope.split(" ");
    const amr = grant.amr.split(" ");
    const access = await sign(keys, "at+jwt", {
      iss: issuer,
      sub,
      aud: issuer,
      client_id: grant.clientId,
      iat: now,
      exp: now + ACCESS_TOKEN_SECONDS,
      jti: randomId(),
      scope: grant.scope,
      auth_time: grant.authTime,
      sid: grant.id,
    });
    const response: TokenResponse = { access_token: access, token_type: "Bearer", expires_in: ACCESS_TOKEN_SECONDS, scope: grant.scope };
    if (scopes.includes("openid")) {
      response.id_token = await sign(keys, "JWT", {
        iss: issuer,
        sub,
        aud: grant.clientId,
        iat: now,
        exp: now + ACCESS_TOKEN_SECONDS,
        auth_time: grant.authTime,
        amr,
        ...(extra.nonce ? { nonce: extra.nonce } : {}),
        ...(scopes.includes("email") ? { email: subject.email, email_verified: subject.emailVerifiedAt !== null } : {}),
      });
    }
    if (extra.refreshToken) response.refresh_token = extra.refreshToken;
    return response;
  }

  /** An access token we issued, still live, with its grant: one round trip (RFC 6750 errors). */
  async userOf(accessToken: string | undefined): Promise<TokenUser> {
    const invalid = () => new OAuthError("invalid_token", "the access token is invalid, expired or revoked", 401);
    if (!accessToken) throw invalid();
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await verify(await this.keys(), accessToken, {
        issuer: this.options.publicUrl,
        audience: this.options.publicUrl,
        typ: "at+jwt",
        currentDate: new Date(this.now() * 1000),
      }));
    } catch {
      throw invalid();
    }
    if (typeof claims.sid !== "string" || typeof claims.sub !== "string") throw invalid();
    const grant = await this.db.oauth.liveGrant(claims.sid, this.now());
    if (!grant || grant.publicId !== claims.sub) throw invalid();
    return {
      sub: claims.sub,
      userId: grant.userId,
      email: grant.email,
      emailVerified: grant.emailVerifiedAt !== null,
      clientId: grant.clientId,
      scope: String(claims.scope ?? grant.scope),
      expiresAt: claims.exp!,
    };
  }

  /** RFC 7009: a refresh token or an access token of this client ends its grant; anything else is ignored. */
  async revoke(credentials: ClientCredentials, token: string | undefined): Promise<void> {
    if (!credentials.clientId) throw new OAuthError("invalid_client", "client authentication failed", 401);
    await this.authenticate(await this.db.oauth.client(credentials.clientId), credentials);
    if (!token) throw new OAuthError("invalid_request", "token is required");
    if (token.split(".").length === 3) {
      const claims = await this.claimsOf(token, { audience: this.options.publicUrl, typ: "at+jwt" });
      if (claims && claims.client_id === credentials.clientId && typeof claims.sid === "string") {
        await this.db.oauth.revoke(credentials.clientId, { grantId: claims.sid });
      }
      return;
    }
    await this.db.oauth.revoke(credentials.clientId, { tokenHash: await sha256Hex(token) });
  }

  /** The claims of a JWT we signed, expired or not (an id_token_hint may be old); null if not ours. */
  async claimsOf(token: string, options: { audience?: string; typ?: string } = {}): Promise<JWTPayload | null> {
    try {
      return (await verify(await this.keys(), token, { issuer: this.options.publicUrl, ...options })).payload;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return error.payload;
      return null;
    }
  }
}

/** PKCE S256 (RFC 7636 §4.2): base64url(SHA-256(verifier)). */
async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
