import { OAuthError } from "../../auth/errors";
import { requireSession } from "../../http/context";
import { clientCredentials, oauthForm } from "../../http/oauth";
import type { AppRouteHandler } from "../../http/router";
import { SCOPES } from "../../auth/oauth-authorize";
import type * as routes from "./oauth.routes";

export const discovery: AppRouteHandler<typeof routes.discovery> = (c) => {
  const issuer = c.var.config.auth.publicUrl;
  return c.json(
    {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      userinfo_endpoint: `${issuer}/oauth/userinfo`,
      jwks_uri: `${issuer}/oauth/jwks`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      end_session_endpoint: `${issuer}/oauth/logout`,
      scopes_supported: [...SCOPES],
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      code_challenge_methods_supported: ["S256"],
      prompt_values_supported: ["none", "login", "consent"],
      claims_supported: ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "email", "email_verified"],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      authorization_response_iss_parameter_supported: true,
    },
    200,
  );
};

export const jwks: AppRouteHandler<typeof routes.jwks> = async (c) => c.json(await c.var.auth.oauthTokens.jwks(), 200);

export const token: AppRouteHandler<typeof routes.token> = async (c) => {
  const body = await oauthForm(c);
  const credentials = clientCredentials(c, body);
  const tokens = c.var.auth.oauthTokens;
  if (body.grant_type === "authorization_code") return c.json(await tokens.exchangeCode(credentials, body), 200);
  if (body.grant_type === "refresh_token") return c.json(await tokens.refresh(credentials, body), 200);
  throw new OAuthError(
    body.grant_type ? "unsupported_grant_type" : "invalid_request",
    "grant_type must be authorization_code or refresh_token",
  );
};

/** The bearer token of `Authorization`, or (POST, RFC 6750 §2.2) of a form body. */
async function bearer(c: Parameters<AppRouteHandler<typeof routes.userinfo>>[0]): Promise<string | undefined> {
  const header = c.req.header("authorization");
  if (header?.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
  if (c.req.method === "POST" && !header && c.req.header("content-type")?.startsWith("application/x-www-form-urlencoded")) {
    return (await oauthForm(c)).access_token;
  }
  return undefined;
}

export const userinfo: AppRouteHandler<typeof routes.userinfo> = async (c) => {
  const user = await c.var.auth.oauthTokens.userOf(await bearer(c));
  const email = user.scope.split(" ").includes("email");
  return c.json({ sub: user.sub, ...(email ? { email: user.email, email_verified: user.emailVerified } : {}) }, 200);
};
export const userinfoPost = userinfo as unknown as AppRouteHandler<typeof routes.userinfoPost>;

export const revoke: AppRouteHandler<typeof routes.revoke> = async (c) => {
  const body = await oauthForm(c);
  await c.var.auth.oauthTokens.revoke(clientCredentials(c, body), body.token);
  return c.body(null, 200);
};

export const apps: AppRouteHandler<typeof routes.apps> = async (c) => {
  const list = await c.var.auth.oauthAuthorize.connectedApps(await requireSession(c));
  return c.json({ apps: list.map((a) => ({ client_id: a.clientId, name: a.name, scope: a.scope, since: a.since })) }, 200);
};

export const revokeApp: AppRouteHandler<typeof routes.revokeApp> = async (c) => {
  const done = await c.var.auth.oauthAuthorize.revokeApp(await requireSession(c), c.req.valid("param").client_id);
  if (!done) return c.json({ message: "no such app" as const }, 404);
  return c.json({ message: "app disconnected" as const }, 200);
};
