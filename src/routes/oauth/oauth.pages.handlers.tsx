import type { Context } from "hono";
import type { AuthorizationParams, AuthorizeOutcome, CheckedRequest } from "../../auth/oauth-authorize";
import { validBody } from "../../http/body";
import { type AppEnv, requireSession } from "../../http/context";
import { clearSessionCookie, readSessionCookie } from "../../http/cookie";
import type { AppRouteHandler } from "../../http/router";
import { AppsPage, ConsentPage, LogoutPage } from "../../views/oauth";
import type * as routes from "./oauth.pages.routes";
import { AuthorizationQuery, ConsentForm, RevokeForm } from "./oauth.pages.routes";

/** The parameters that were given (no undefined values, so they survive a query string). */
function given(params: AuthorizationParams): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => typeof v === "string")) as Record<string, string>;
}

/** The origin a form on this page may end up at (Chromium checks form-action on redirects). */
function allowFormTarget(c: Context<AppEnv>, redirectUri: string): void {
  const url = new URL(redirectUri);
  const origin = url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
  c.set("formTargets", [...(c.get("formTargets") ?? []), origin]);
}

function follow(c: Context<AppEnv>, outcome: AuthorizeOutcome) {
  if (outcome.kind === "redirect") return c.redirect(outcome.to, 302);
  if (outcome.kind === "consent") return c.redirect(`/account/consent?${new URLSearchParams(given(outcome.request.params))}`, 302);
  const next = `/oauth/authorize?${new URLSearchParams(given(outcome.continueWith))}`;
  const hint = outcome.hint ? `&login_hint=${encodeURIComponent(outcome.hint)}` : "";
  return c.redirect(`/account/login?next=${encodeURIComponent(next)}${hint}`, 302);
}

async function run(c: Context<AppEnv>, params: AuthorizationParams) {
  const flow = c.var.auth.oauthAuthorize;
  const request = await flow.check(params); // UnknownClient: a page, never a redirect
  return follow(c, await flow.authorize(request, await c.var.auth.getSession(readSessionCookie(c))));
}

export const authorize: AppRouteHandler<typeof routes.authorize> = (c) => run(c, c.req.valid("query")) as never;

export const authorizePost: AppRouteHandler<typeof routes.authorizePost> = (c) => run(c, validBody(c, AuthorizationQuery)) as never;

export const consentPage: AppRouteHandler<typeof routes.consentPage> = async (c) => {
  const flow = c.var.auth.oauthAuthorize;
  const request: CheckedRequest = await flow.check(c.req.valid("query"));
  const current = await c.var.auth.getSession(readSessionCookie(c));
  const outcome = await flow.authorize(request, current);
  if (outcome.kind !== "consent" || !current) return follow(c, outcome) as never;
  allowFormTarget(c, request.redirectUri);
  const params = given(request.params);
  return c.html(<ConsentPage app={request.client.name} email={current.user.email} scopes={outcome.scopes} params={params} />, 200);
};

export const consent: AppRouteHandler<typeof routes.consent> = async (c) => {
  const { decision, ...params } = validBody(c, ConsentForm);
  const flow = c.var.auth.oauthAuthorize;
  const request = await flow.check(params);
  const current = await requireSession(c);
  const outcome = await flow.decide(request, current, decision === "allow");
  // The login may have aged past max_age while the page was open: log in again first.
  if (outcome.kind === "login") return follow(c, outcome) as never;
  return c.redirect((outcome as { to: string }).to, 303);
};

export const logout: AppRouteHandler<typeof routes.logout> = async (c) => {
  const { id_token_hint, post_logout_redirect_uri, client_id, state } = c.req.valid("query");
  const current = await c.var.auth.getSession(readSessionCookie(c));
  const claims = id_token_hint ? await c.var.auth.oauthTokens.claimsOf(id_token_hint, { typ: "JWT" }) : null;
  const clientId = typeof claims?.aud === "string" ? claims.aud : client_id;
  if (id_token_hint && (!claims || (client_id && client_id !== clientId)))
    return c.html(<LogoutPage email={current?.user.email ?? ""} />, 200);
  const client = clientId ? await c.var.auth.oauthAuthorize.client(clientId) : null;
  let back = "/account/login?logged_out=1";
  if (post_logout_redirect_uri && client && (JSON.parse(client.postLogoutRedirectUris) as string[]).includes(post_logout_redirect_uri)) {
    const url = new URL(post_logout_redirect_uri);
    if (state !== undefined) url.searchParams.set("state", state);
    back = url.toString();
  }
  if (current) {
    // Only an ID token for this very user ends the session without asking (it proves who asks).
    if (!claims || claims.sub !== current.user.publicId) return c.html(<LogoutPage email={current.user.email} />, 200);
    await c.var.auth.endSession(readSessionCookie(c));
    clearSessionCookie(c);
  }
  return c.redirect(back, 302);
};

export const appsPage: AppRouteHandler<typeof routes.appsPage> = async (c) => {
  const current = await c.var.auth.getSession(readSessionCookie(c));
  if (!current) return c.redirect("/account/login?next=/account/apps", 303);
  return c.html(<AppsPage apps={await c.var.auth.oauthAuthorize.connectedApps(current)} />, 200) as never;
};

export const revokeAppForm: AppRouteHandler<typeof routes.revokeAppForm> = async (c) => {
  const { client_id } = validBody(c, RevokeForm);
  await c.var.auth.oauthAuthorize.revokeApp(await requireSession(c), client_id);
  return c.redirect("/account/apps", 303);
};
