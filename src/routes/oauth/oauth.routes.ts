import { createRoute, z } from "@hono/zod-openapi";
import { NotLoggedIn, ReauthenticationRequired } from "../../auth/errors";
import { failures, jsonContent } from "../../http/responses";
import { SessionCookie } from "../../http/schemas";

/**
 * The OpenID provider's JSON endpoints (OpenID Connect Core and Discovery, RFC 6749, 7636, 7009,
 * 9068). The client endpoints (token, userinfo, revoke) take no cookie and answer errors in
 * OAuth's shape; the authorization endpoint and consent are pages (oauth.pages.routes.ts).
 */
const tags = ["OpenID provider"];

const OAuthErrorSchema = z
  .object({ error: z.string().openapi({ example: "invalid_grant" }), error_description: z.string() })
  .openapi("OAuthError");
const oauthFailures = (statuses: Record<number, string>) =>
  Object.fromEntries(Object.entries(statuses).map(([status, description]) => [status, jsonContent(OAuthErrorSchema, description)]));

const form = (schema: z.ZodObject) => ({ content: { "application/x-www-form-urlencoded": { schema } }, required: true });
const text = (description: string) => z.string().optional().openapi({ description });

export const discovery = createRoute({
  method: "get",
  path: "/.well-known/openid-configuration",
  tags,
  summary: "Discovery document",
  description: "OpenID Connect Discovery 1.0: the issuer (PUBLIC_URL), every endpoint and what is supported.",
  responses: { 200: jsonContent(z.record(z.string(), z.unknown()), "The provider's metadata.") },
});

export const jwks = createRoute({
  method: "get",
  path: "/oauth/jwks",
  tags,
  summary: "Signing keys (JWKS)",
  description: "The public keys ID tokens and access tokens are signed with (RS256): the signing key and any published for rotation.",
  responses: { 200: jsonContent(z.object({ keys: z.array(z.record(z.string(), z.unknown())) }), "The key set.") },
});

export const TokenResponseSchema = z
  .object({
    access_token: z.string().openapi({ description: "A JWT (RFC 9068, `typ: at+jwt`), 10 minutes." }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
    scope: z.string(),
    id_token: z.string().optional().openapi({ description: "With scope openid: RS256, aud the client." }),
    refresh_token: z.string().optional().openapi({ description: "With scope offline_access: opaque, rotated on every use." }),
  })
  .openapi("TokenResponse");

export const token = createRoute({
  method: "post",
  path: "/oauth/token",
  tags,
  summary: "Token endpoint",
  description:
    "No per-IP limit: one app's server exchanges codes for all its users, and codes, refresh tokens and client secrets are 256 random bits. `grant_type=authorization_code` (code, redirect_uri, code_verifier) or `refresh_token` (refresh_token, optional narrower scope). Client authentication: `client_secret_basic`, `client_secret_post`, or `none` for a public client (client_id only; PKCE). A code works once, for 60 s; a second use ends what the first issued. A used refresh token presented again ends the whole grant.",
  request: {
    body: form(
      z.object({
        grant_type: text("authorization_code or refresh_token"),
        code: text("The authorization code."),
        redirect_uri: text("The one the code was issued for."),
        code_verifier: text("PKCE (RFC 7636)."),
        refresh_token: text("A refresh token."),
        scope: text("Refresh only: a narrower scope."),
        client_id: text("client_secret_post or a public client."),
        client_secret: text("client_secret_post."),
      }),
    ),
  },
  responses: {
    200: jsonContent(TokenResponseSchema, "Tokens."),
    ...oauthFailures({
      400: "invalid_request, invalid_grant, unsupported_grant_type, invalid_scope.",
      401: "invalid_client (with `WWW-Authenticate: Basic` when Basic was used).",
      503: "temporarily_unavailable (`Retry-After`): nothing was issued half-way; try again.",
    }),
  },
});

export const UserInfoSchema = z
  .object({
    sub: z.string().openapi({ description: "The user's opaque, stable id (never the address or a row id)." }),
    email: z.string().optional(),
    email_verified: z.boolean().optional(),
  })
  .openapi("UserInfo");

const userinfoRoute = (method: "get" | "post") =>
  createRoute({
    method,
    path: "/oauth/userinfo",
    tags,
    summary: `UserInfo (${method.toUpperCase()})`,
    description: "`Authorization: Bearer <access token>`. `email` and `email_verified` with scope email.",
    responses: {
      200: jsonContent(UserInfoSchema, "Claims about the user."),
      ...oauthFailures({ 401: 'invalid_token, with `WWW-Authenticate: Bearer error="invalid_token"`.', 503: "temporarily_unavailable." }),
    },
  });
export const userinfo = userinfoRoute("get");
export const userinfoPost = userinfoRoute("post");

export const revoke = createRoute({
  method: "post",
  path: "/oauth/revoke",
  tags,
  summary: "Revocation (RFC 7009)",
  description:
    "`token` (a refresh token or an access token of this client): its whole grant ends. Unknown tokens are answered the same 200. Client authentication as at the token endpoint.",
  request: { body: form(z.object({ token: text("The token."), token_type_hint: text("Ignored: both kinds are looked for.") })) },
  responses: {
    200: { description: "Revoked (or never valid)." },
    ...oauthFailures({ 400: "invalid_request.", 401: "invalid_client.", 503: "temporarily_unavailable." }),
  },
});

const AppSchema = z
  .object({
    client_id: z.string(),
    name: z.string(),
    scope: z.string().nullable().openapi({ description: "What was allowed (null: a first-party app, never asked)." }),
    since: z.number().int().nullable(),
  })
  .openapi("ConnectedApp");

export const apps = createRoute({
  method: "get",
  path: "/profile/apps",
  tags,
  summary: "My connected apps",
  security: [{ sessionCookie: [] }],
  request: { cookies: SessionCookie },
  responses: { 200: jsonContent(z.object({ apps: z.array(AppSchema) }), "The apps."), ...failures([NotLoggedIn]) },
});

export const revokeApp = createRoute({
  method: "delete",
  path: "/profile/apps/{client_id}",
  tags,
  summary: "Disconnect an app",
  description: "Ends the app's consent and every token it holds for you. Needs a proof within REAUTH_WINDOW_SECONDS.",
  security: [{ sessionCookie: [] }],
  request: { cookies: SessionCookie, params: z.object({ client_id: z.string().max(64) }) },
  responses: {
    200: jsonContent(z.object({ message: z.literal("app disconnected") }), "Done."),
    404: jsonContent(z.object({ message: z.literal("no such app") }), "No app of yours has this id."),
    ...failures(["crossSite", NotLoggedIn, ReauthenticationRequired]),
  },
});
