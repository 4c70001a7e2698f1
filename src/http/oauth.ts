import type { Context } from "hono";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { FieldError, OAuthError, retryAfterSeconds, TemporarilyUnavailable, TooManyAttempts } from "../auth/errors";
import type { ClientCredentials } from "../auth/oauth-tokens";
import type { AppEnv } from "./context";
import { logUnexpected, UNAVAILABLE_RETRY_AFTER_SECONDS } from "./errors";

/**
 * The endpoints an OAuth client calls from its own code (RFC 6749 §3.2, RFC 7009, OpenID Connect
 * UserInfo): they authenticate by client credentials, PKCE or a bearer token, never by cookies,
 * so the cookie CSRF guard does not apply, and their errors are OAuth's `{"error"}`.
 */
export const CLIENT_ENDPOINTS = new Set(["/oauth/token", "/oauth/userinfo", "/oauth/revoke"]);
/** Public documents: discovery and the keys, readable from any origin. */
const PUBLIC_DOCUMENTS = new Set(["/.well-known/openid-configuration", "/oauth/jwks"]);

export function isClientEndpoint(c: Context): boolean {
  return CLIENT_ENDPOINTS.has(c.req.path);
}

const corsFor = (origin: (o: string) => string | null) =>
  cors({
    origin: (o) => origin(o),
    credentials: false,
    allowMethods: ["GET", "POST"],
    allowHeaders: ["Authorization", "Content-Type"],
    exposeHeaders: ["WWW-Authenticate", "Retry-After"],
    maxAge: 600,
  });
const anyOrigin = corsFor(() => "*");

/**
 * CORS without credentials: discovery and JWKS for anyone; the client endpoints for the web
 * origins of public clients' registered redirect URIs (a browser app calls them directly).
 */
export const oauthCors = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && PUBLIC_DOCUMENTS.has(c.req.path)) return anyOrigin(c, next);
    if (origin !== undefined && isClientEndpoint(c) && (await c.var.auth.oauthAuthorize.knownOrigin(origin))) {
      return corsFor((o) => o)(c, next);
    }
    await next();
  });

/** RFC 6749 §2.3.1: `Authorization: Basic` (each part form-decoded), or client_id/client_secret in the body. */
export function clientCredentials(c: Context, body: Record<string, string | undefined>): ClientCredentials {
  const header = c.req.header("authorization");
  if (header?.toLowerCase().startsWith("basic ")) {
    if (body.client_secret !== undefined) throw new OAuthError("invalid_request", "use one client authentication method");
    let decoded: string;
    try {
      decoded = atob(header.slice(6).trim());
    } catch {
      throw new OAuthError("invalid_client", "malformed Basic credentials", 401);
    }
    const colon = decoded.indexOf(":");
    const part = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, " "));
      } catch {
        throw new OAuthError("invalid_client", "malformed Basic credentials", 401);
      }
    };
    if (colon < 0) throw new OAuthError("invalid_client", "malformed Basic credentials", 401);
    const clientId = part(decoded.slice(0, colon));
    if (body.client_id !== undefined && body.client_id !== clientId) throw new OAuthError("invalid_request", "client_id differs");
    return { clientId, clientSecret: part(decoded.slice(colon + 1)), basic: true };
  }
  return { clientId: body.client_id, clientSecret: body.client_secret, basic: false };
}

/** A form body's fields; a field given twice is refused (RFC 6749 §3.1). */
export async function oauthForm(c: Context): Promise<Record<string, string | undefined>> {
  const type = c.req.header("content-type") ?? "";
  if (c.req.method === "GET") return {};
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw new OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded");
  }
  let form: URLSearchParams;
  try {
    form = new URLSearchParams(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.arrayBuffer()));
  } catch {
    throw new OAuthError("invalid_request", "the body is not UTF-8");
  }
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of form) {
    if (Object.hasOwn(fields, name)) throw new OAuthError("invalid_request", `${name} is repeated`);
    if (value.length > 4096) throw new OAuthError("invalid_request", `${name} is too long`);
    fields[name] = value;
  }
  return fields;
}

/** The one mapping of failures on the client endpoints: OAuth's error body, never `{"message"}`. */
export function oauthFailure(error: unknown, c: Context): Response {
  const body = (code: string, description: string) => ({ error: code, error_description: description });
  if (error instanceof OAuthError) {
    const headers: Record<string, string> = {};
    if (c.req.path === "/oauth/userinfo" && error.status === 401) {
      headers["WWW-Authenticate"] = c.req.header("authorization") ? `Bearer error="${error.error}"` : "Bearer";
    } else if (error.status === 401 && c.req.header("authorization")?.toLowerCase().startsWith("basic ")) {
      headers["WWW-Authenticate"] = 'Basic realm="oauth"';
    }
    return c.json(body(error.error, error.message), error.status, headers);
  }
  if (error instanceof TemporarilyUnavailable) {
    return c.json(body("temporarily_unavailable", "try again"), 503, { "Retry-After": String(UNAVAILABLE_RETRY_AFTER_SECONDS) });
  }
  if (error instanceof TooManyAttempts) {
    return c.json(body("invalid_request", "too many requests: try again later"), 429, { "Retry-After": String(retryAfterSeconds(error)) });
  }
  if (error instanceof FieldError || (error instanceof HTTPException && error.status < 500)) {
    const status = error instanceof HTTPException ? error.status : 400;
    return c.json(body("invalid_request", error.message || "invalid request"), status === 405 || status === 413 ? status : 400);
  }
  if (error instanceof HTTPException) return c.json(body("temporarily_unavailable", "service unavailable"), 503, { "Retry-After": "60" });
  logUnexpected(error, c);
  return c.json(body("server_error", "internal error"), 500);
}

/** Pages whose form posts may end, through /oauth/authorize, at an app's redirect URI. */
export const LOGIN_PAGES = new Set(["/account/login", "/account/login/two-factor"]);

/**
 * A login for an authorization request (`next=/oauth/authorize?...`) ends, after its form post,
 * at the app's redirect URI: Chromium checks form-action on that redirect, so the login pages
 * allow the origin of that request's redirect URI, once it is known to be the client's.
 */
export const authorizeFormTargets = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const after = c.req.query("next");
    if (after?.startsWith("/oauth/authorize?") && LOGIN_PAGES.has(c.req.path)) {
      try {
        const request = await c.var.auth.oauthAuthorize.check(Object.fromEntries(new URLSearchParams(after.slice(17))));
        const url = new URL(request.redirectUri);
        c.set("formTargets", [url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol]);
      } catch {
        // Not a request for a registered client: its pages allow nothing more.
      }
    }
    await next();
  });
