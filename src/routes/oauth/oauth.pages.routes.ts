import { createRoute, z } from "@hono/zod-openapi";
import { NotLoggedIn, ReauthenticationRequired, UnknownClient } from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { failures, formOrJson, htmlContent, redirectTo } from "../../http/responses";
import { SessionCookie } from "../../http/schemas";

/** The provider's pages: the authorization endpoint, consent, logout, connected apps. */
const tags = ["OpenID provider"];
const param = (description: string) => z.string().max(2048).optional().openapi({ description });

/** An authorization request's parameters (OpenID Connect Core §3.1.2.1). */
export const AuthorizationQuery = z.object({
  response_type: param("`code`."),
  client_id: param("A registered client."),
  redirect_uri: param("One of the client's, exactly."),
  scope: param("`openid`, `email`, `offline_access`."),
  state: param("Returned as it is."),
  nonce: param("Put into the ID token."),
  code_challenge: param("PKCE S256: required."),
  code_challenge_method: param("`S256`."),
  prompt: param("`none`, `login` or `consent`."),
  max_age: param("Seconds since the last login beyond which the person logs in again."),
  login_hint: param("An address to fill in on the login page."),
  auth_after: param("Set by this service when it sends the person to log in again."),
  request: param("Not supported (request_not_supported)."),
  request_uri: param("Not supported (request_uri_not_supported)."),
});

const authorizeResponses = {
  302: redirectTo(
    ["<redirect_uri>?code=...&state=...&iss=...", "/account/login?next=...", "/account/consent?..."],
    "To the client with a code or an error; to the login page; or to the consent page.",
  ),
  400: htmlContent("An unknown client or redirect URI: a page, never a redirect."),
};

export const authorize = createRoute({
  method: "get",
  path: "/oauth/authorize",
  tags,
  summary: "Authorization endpoint",
  description:
    "Response type `code` only; PKCE S256 for every client. Not logged in: the login page, then back here. `prompt=none` without a session: `error=login_required` at the redirect URI.",
  request: { cookies: SessionCookie.partial(), query: AuthorizationQuery },
  responses: authorizeResponses,
});

export const authorizePost = createRoute({
  method: "post",
  path: "/oauth/authorize",
  tags,
  summary: "Authorization endpoint (form post)",
  middleware: [formOrJsonBody(Object.keys(AuthorizationQuery.shape))] as const,
  request: { cookies: SessionCookie.partial(), body: formOrJson(AuthorizationQuery) },
  responses: authorizeResponses,
});

export const consentPage = createRoute({
  method: "get",
  path: "/account/consent",
  tags,
  summary: "Consent page",
  request: { cookies: SessionCookie.partial(), query: AuthorizationQuery },
  responses: { 200: htmlContent("The app's name, what it will see, Allow and Deny."), ...authorizeResponses },
});

export const ConsentForm = AuthorizationQuery.extend({
  decision: z.enum(["allow", "deny"]).openapi({ description: "The button pressed." }),
});

export const consent = createRoute({
  method: "post",
  path: "/account/consent",
  tags,
  summary: "Allow or deny (form post)",
  middleware: [formOrJsonBody([...Object.keys(AuthorizationQuery.shape), "decision"])] as const,
  request: {
    cookies: SessionCookie.partial(),
    body: formOrJson(ConsentForm),
  },
  responses: {
    303: redirectTo("<redirect_uri>?code=...|error=access_denied", "Back to the app."),
    ...failures(["invalid", "tooLarge", "crossSite", NotLoggedIn, UnknownClient], { html: true }),
  },
});

export const LogoutQuery = z.object({
  id_token_hint: param("An ID token this service issued to the client (expired is fine)."),
  post_logout_redirect_uri: param("One of the client's registered ones."),
  client_id: param("The client, when there is no id_token_hint."),
  state: param("Returned as it is."),
});

export const logout = createRoute({
  method: "get",
  path: "/oauth/logout",
  tags,
  summary: "RP-initiated logout",
  description:
    "With an `id_token_hint` for the logged-in user: the session ends, then the registered `post_logout_redirect_uri` (with `state`). Without proof of who asks: a page where the person confirms.",
  request: { cookies: SessionCookie.partial(), query: LogoutQuery },
  responses: {
    200: htmlContent("Log out? (no valid hint)."),
    302: redirectTo(["<post_logout_redirect_uri>", "/account/login?logged_out=1"], "Logged out."),
  },
});

export const appsPage = createRoute({
  method: "get",
  path: "/account/apps",
  tags,
  summary: "Connected apps page",
  request: { cookies: SessionCookie },
  responses: { 200: htmlContent("Each app, with Disconnect."), 303: redirectTo("/account/login", "Not logged in.") },
});

export const RevokeForm = z.object({ client_id: z.string().min(1).max(64) });

export const revokeAppForm = createRoute({
  method: "post",
  path: "/account/apps/revoke",
  tags,
  summary: "Disconnect an app (form post)",
  middleware: [formOrJsonBody(["client_id"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(RevokeForm) },
  responses: {
    303: redirectTo(["/account/apps", "/account/reauthenticate"], "Done; or, without a recent proof, to confirm it is you first."),
    ...failures(["invalid", "tooLarge", "crossSite", NotLoggedIn, ReauthenticationRequired], { html: true }),
  },
});
