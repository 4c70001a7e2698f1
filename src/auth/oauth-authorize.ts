import type { OAuthClient } from "../db/schema-identity";
import { OAuthError, UnknownClient } from "./errors";
import { Flow } from "./flow";
import type { CurrentSession } from "./sessions";
import { sha256Hex, slotOf } from "./tokens";

/** Scopes this provider knows; others are ignored (RFC 6749 §3.3 lets a server narrow the request). */
export const SCOPES = ["openid", "email", "offline_access"] as const;
/** An authorization code lives 60 s (OpenID Connect's advice: short, single use). */
export const CODE_SECONDS = 60;

/** The authorization request's parameters (OpenID Connect Core §3.1.2.1), as strings. */
export interface AuthorizationParams {
  response_type?: string;
  client_id?: string;
  redirect_uri?: string;
  scope?: string;
  state?: string;
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  prompt?: string;
  max_age?: string;
  login_hint?: string;
  request?: string;
  request_uri?: string;
  /** Ours: set when we sent the person to log in again (prompt=login, max_age): a login after it. */
  auth_after?: string;
}

/** A checked request: its client, and what the answer carries back. */
export interface CheckedRequest {
  client: OAuthClient;
  redirectUri: string;
  state?: string;
  scope: string;
  params: AuthorizationParams;
}

/** What to do with an authorization request. */
export type AuthorizeOutcome =
  | { kind: "redirect"; to: string }
  | { kind: "login"; hint?: string; continueWith: AuthorizationParams }
  | { kind: "consent"; request: CheckedRequest; scopes: string[] };

export function redirectUrisOf(client: OAuthClient): string[] {
  return JSON.parse(client.redirectUris) as string[];
}

/** The redirect back to the client: `code` or `error`, with `state` and `iss` (RFC 9207). */
export function backToClient(request: { redirectUri: string; state?: string }, issuer: string, values: Record<string, string>): string {
  const url = new URL(request.redirectUri);
  for (const [name, value] of Object.entries(values)) url.searchParams.set(name, value);
  if (request.state !== undefined) url.searchParams.set("state", request.state);
  url.searchParams.set("iss", issuer);
  return url.toString();
}

/** When the session's user last proved who they are: the login, or a later re-authentication. */
export function authTimeOf(current: CurrentSession): number {
  return Math.max(current.session.createdAt, current.session.reauthenticatedAt ?? 0);
}

/** How the session's user proved it (RFC 8176 values): "pwd", "pwd otp mfa", "pop mfa"... */
export function amrOf(current: CurrentSession): string {
  return current.session.amr ?? "pwd";
}

/**
 * The authorization endpoint's decisions (OpenID Connect Core §3.1.2): which client and redirect
 * URI (matched exactly; an unknown one is a page, never a redirect), PKCE S256 for every client,
 * whether the person must log in (again) or consent, and the single-use code.
 */
export class OAuthAuthorize extends Flow {
  /** The client and redirect URI, checked before anything may be redirected to. */
  async check(params: AuthorizationParams): Promise<CheckedRequest> {
    const client = params.client_id ? await this.db.oauth.client(params.client_id) : null;
    if (!client) throw new UnknownClient("unknown client_id");
    if (!params.redirect_uri || !redirectUrisOf(client).includes(params.redirect_uri)) {
      throw new UnknownClient("redirect_uri is not one of the client's registered ones");
    }
    const scope = [...new Set((params.scope ?? "").split(" "))].filter((s) => (SCOPES as readonly string[]).includes(s)).join(" ");
    return { client, redirectUri: params.redirect_uri, state: params.state, scope, params };
  }

  /**
   * Whether the person must log in (again) first: no session, a login older than max_age or than
   * the one asked for (auth_after), or prompt=login. The login's own request continues without
   * prompt=login and with auth_after, so that it ends.
   */
  private staleLogin(request: CheckedRequest, current: CurrentSession | null): AuthorizeOutcome | null {
    const { params } = request;
    const prompts = (params.prompt ?? "").split(" ");
    const now = this.now();
    const after = /^\d{1,12}$/.test(params.auth_after ?? "") ? Number(params.auth_after) : 0;
    const fresh =
      current !== null &&
      authTimeOf(current) >= after &&
      (params.max_age === undefined || now - authTimeOf(current) <= Number(params.max_age));
    if (fresh && !prompts.includes("login")) return null;
    const { prompt: _login, ...rest } = params;
    const prompt = prompts.filter((p) => p !== "login").join(" ");
    return {
      kind: "login",
      hint: params.login_hint,
      continueWith: {
        ...rest,
        ...(prompt ? { prompt } : {}),
        auth_after: String(current === null && !prompts.includes("login") ? 0 : now),
      },
    };
  }

  /** The error a checked request is refused with, in the redirect (null: it may go on). */
  private refusal(request: CheckedRequest): OAuthError | null {
    const { params } = request;
    if (params.request !== undefined) return new OAuthError("request_not_supported", "request objects are not supported");
    if (params.request_uri !== undefined) return new OAuthError("request_uri_not_supported", "request_uri is not supported");
    if (params.response_type !== "code") return new OAuthError("unsupported_response_type", "response_type must be code");
    if (!params.code_challenge || params.code_challenge_method !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(params.code_challenge)) {
      return new OAuthError("invalid_request", "PKCE is required: code_challenge (S256 of the verifier) and code_challenge_method=S256");
    }
    const prompts = (params.prompt ?? "").split(" ").filter(Boolean);
    if (prompts.some((p) => !["none", "login", "consent", "select_account"].includes(p))) {
      return new OAuthError("invalid_request", "prompt must be none, login or consent");
    }
    if (prompts.includes("none") && prompts.length > 1) return new OAuthError("invalid_request", "prompt=none goes alone");
    if (params.max_age !== undefined && !/^\d{1,9}$/.test(params.max_age))
      return new OAuthError("invalid_request", "max_age must be seconds");
    if (request.scope === "") return new OAuthError("invalid_scope", "scope must include openid or email");
    return null;
  }

  /**
   * What to do with a request now: redirect back (a code or an error), send the person to log
   * in, or ask for consent. `current` is the browser's session, if any.
   */
  async authorize(request: CheckedRequest, current: CurrentSession | null): Promise<AuthorizeOutcome> {
    const issuer = this.options.publicUrl;
    const refusal = this.refusal(request);
    if (refusal)
      return { kind: "redirect", to: backToClient(request, issuer, { error: refusal.error, error_description: refusal.message }) };
    const { params } = request;
    const prompts = (params.prompt ?? "").split(" ");
    const stale = this.staleLogin(request, current);
    if (stale) {
      if (prompts.includes("none")) return { kind: "redirect", to: backToClient(request, issuer, { error: "login_required" }) };
      return stale;
    }
    if (!current) throw new Error("unreachable: a fresh login has a session");
    const scopes = request.scope.split(" ");
    if (!request.client.firstParty) {
      const allowed = (await this.db.oauth.consent(current.user.id, request.client.id))?.split(" ") ?? [];
      if (prompts.includes("consent") || !scopes.every((s) => allowed.includes(s))) {
        if (prompts.includes("none")) return { kind: "redirect", to: backToClient(request, issuer, { error: "consent_required" }) };
        return { kind: "consent", request, scopes };
      }
    }
    return { kind: "redirect", to: await this.issueCode(request, current, null) };
  }

  /** The consent page's answer: Allow records the consent and issues the code; Deny says so. */
  async decide(request: CheckedRequest, current: CurrentSession, allow: boolean): Promise<AuthorizeOutcome> {
    const refusal = this.refusal(request);
    const issuer = this.options.publicUrl;
    if (refusal)
      return { kind: "redirect", to: backToClient(request, issuer, { error: refusal.error, error_description: refusal.message }) };
    // The same freshness as the request itself (max_age, a login asked for): checked again here.
    const stale = this.staleLogin(request, current);
    if (stale) return stale;
    if (!allow)
      return {
        kind: "redirect",
        to: backToClient(request, issuer, { error: "access_denied", error_description: "the user denied the request" }),
      };
    return { kind: "redirect", to: await this.issueCode(request, current, { scope: request.scope, now: this.now() }) };
  }

  /** A public client registered a redirect URI on this web origin (CORS on the client endpoints). */
  knownOrigin(origin: string): Promise<boolean> {
    return this.db.oauth.knownOrigin(origin);
  }

  /** A client by id (the logout endpoint checks its post-logout redirect URIs), or null. */
  client(clientId: string) {
    return this.db.oauth.client(clientId);
  }

  /** The Connected apps page: every app the user allowed, or that holds their tokens. */
  async connectedApps(current: CurrentSession) {
    return this.db.oauth.connectedApps(current.user.id, this.now());
  }

  /** Revokes an app (its consent and every token), behind the re-authentication window. */
  async revokeApp(current: CurrentSession, clientId: string): Promise<boolean> {
    this.requireRecentProof(current);
    return this.db.oauth.revokeApp(current.user.id, clientId);
  }

  private async issueCode(request: CheckedRequest, current: CurrentSession, consent: { scope: string; now: number } | null) {
    const code = randomSecret(slotOf(current.user.publicId));
    const now = this.now();
    await this.db.oauth.allowAndAddCode(consent, {
      codeHash: await sha256Hex(code),
      clientId: request.client.id,
      userId: current.user.id,
      redirectUri: request.redirectUri,
      codeChallenge: request.params.code_challenge!,
      scope: request.scope,
      nonce: request.params.nonce ?? null,
      authTime: authTimeOf(current),
      amr: amrOf(current),
      expiresAt: now + CODE_SECONDS,
    });
    return backToClient(request, this.options.publicUrl, { code });
  }
}

/**
 * 256 random bits, base64url: codes and refresh tokens (opaque, never a UUID: not the seed's).
 * Issued for a user, the first byte is the user's slot (tokens.ts `slotOf`; 248 random bits).
 */
export function randomSecret(slot?: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  if (slot !== undefined) bytes[0] = slot;
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
