import { WorkerEntrypoint } from "cloudflare:workers";
import { Auth } from "./auth/auth";
import { OAuthError } from "./auth/errors";
import { readConfig } from "./config";
import { d1Binding } from "./db/binding";
import { DB } from "./db/db";
import { SESSION_COOKIE } from "./http/cookie";

/** What verifySession answers: the user and the session, or null. */
export interface VerifiedSession {
  user: { id: string; email: string; emailVerified: boolean };
  session: { id: string; expiresAt: number };
}

/** What verifyAccessToken answers: the user an access token names, for which app, or null. */
export interface VerifiedAccessToken {
  /** The address only when the token's scope has `email` (as userinfo gives it). */
  user: { id: string; email: string | null; emailVerified: boolean | null };
  clientId: string;
  scope: string;
  expiresAt: number;
}

/** The session secret in a Cookie header (`session_id=...`), or the value itself. */
function secretOf(cookieHeaderOrSecret: string): string | undefined {
  if (!cookieHeaderOrSecret.includes("=")) return cookieHeaderOrSecret.trim() || undefined;
  for (const part of cookieHeaderOrSecret.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return value.join("=");
  }
  return undefined;
}

/**
 * For Workers on the same account, over a service binding (`entrypoint = "AuthService"`): the
 * same session checks the HTTP API makes, without an HTTP hop or a public endpoint. `user.id` is
 * the user's public id (the OpenID `sub`), never the row id. Built per call from this Worker's
 * own bindings, as a request is.
 */
export class AuthService extends WorkerEntrypoint<Env> {
  private auth(): Auth {
    const config = readConfig(this.env);
    const db = new DB(d1Binding(this.env.DB, config.d1), { timeoutMs: config.d1.timeoutMs });
    // Nothing here mails: a session check refreshes the session at most.
    return new Auth(db, { ...config.auth, sendsMail: false });
  }

  /** A Cookie header (or the session secret alone) → its live session and user, or null. */
  async verifySession(cookieHeaderOrSecret: string): Promise<VerifiedSession | null> {
    if (typeof cookieHeaderOrSecret !== "string" || cookieHeaderOrSecret.length > 8192) return null;
    const current = await this.auth().checkSession(secretOf(cookieHeaderOrSecret));
    if (!current) return null;
    const { user, session } = current;
    return {
      user: { id: user.publicId!, email: user.email, emailVerified: user.emailVerifiedAt !== null },
      session: { id: session.id, expiresAt: Math.min(session.expiresAt, session.idleExpiresAt) },
    };
  }

  /**
   * An access token this provider issued (RFC 9068), still live and not revoked → its user, or
   * null. Tokens are issued to apps: pass `clientId` (one or several) to accept only the apps this
   * Worker serves; without it, any app's token is accepted (an outside review: a third-party app
   * granted `openid` alone could otherwise call a first-party Worker as the user).
   */
  async verifyAccessToken(token: string, options: { clientId?: string | string[] } = {}): Promise<VerifiedAccessToken | null> {
    if (typeof token !== "string" || token.length > 8192) return null;
    try {
      const found = await this.auth().oauthTokens.userOf(token);
      const allowed = options.clientId === undefined ? undefined : ([] as string[]).concat(options.clientId);
      if (allowed && !allowed.includes(found.clientId)) return null;
      const email = found.scope.split(" ").includes("email");
      return {
        user: { id: found.sub, email: email ? found.email : null, emailVerified: email ? found.emailVerified : null },
        clientId: found.clientId,
        scope: found.scope,
        expiresAt: found.expiresAt,
      };
    } catch (error) {
      if (error instanceof OAuthError) return null;
      throw error;
    }
  }
}
