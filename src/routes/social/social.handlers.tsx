import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SecondFactorRequired } from "../../auth/errors";
import { FLOW_SECONDS, ProviderFailed } from "../../auth/social";
import { validBody } from "../../http/body";
import { type AppEnv, clientInfo, requireSession } from "../../http/context";
import { readSessionCookie, setPendingLoginCookie, setSessionCookie } from "../../http/cookie";
import { safeNext } from "../../http/pages";
import type { AppRouteHandler } from "../../http/router";
import { ProviderProblemPage } from "../../views/social";
import type * as routes from "./social.routes";
import { UnlinkForm } from "./social.routes";
import { PENDING_LOGIN_SECONDS } from "../../auth/sessions";

const FLOW_COOKIE = "sign_in_flow";
const flowCookieOptions = (c: Context<AppEnv>) => ({
  path: "/auth",
  httpOnly: true,
  sameSite: "Lax" as const,
  secure: new URL(c.req.url).protocol === "https:",
});

function providerOf(c: Context<AppEnv>, id: string) {
  return c.var.config.signIn.providers.find((p) => p.id === id);
}

const noSuchProvider = (c: Context<AppEnv>) =>
  c.html(<ProviderProblemPage title="No such sign-in" message="This service does not offer that way of signing in." />, 404);

export const start: AppRouteHandler<typeof routes.start> = async (c) => {
  const provider = providerOf(c, c.req.valid("param").provider);
  if (!provider) return noSuchProvider(c) as never;
  const { intent = "sign-in", next } = c.req.valid("query");
  if (intent === "reauth" && !(await c.var.auth.getSession(readSessionCookie(c)))) {
    return c.redirect("/account/login", 302) as never;
  }
  if (intent === "link") {
    // Linking is a sensitive action: the logged-in user, with a recent proof.
    const current = await c.var.auth.getSession(readSessionCookie(c));
    if (!current) return c.redirect(`/account/login?next=${encodeURIComponent(`/auth/${provider.id}?intent=link`)}`, 302) as never;
    c.var.auth.social.requireRecentProof(current);
  }
  try {
    const { url, cookie } = await c.var.auth.social.start(provider, intent, safeNext(next));
    setCookie(c, FLOW_COOKIE, cookie, { ...flowCookieOptions(c), maxAge: FLOW_SECONDS });
    return c.redirect(url, 302) as never;
  } catch (error) {
    if (!(error instanceof ProviderFailed)) throw error;
    return c.html(
      <ProviderProblemPage
        title={`${provider.name} cannot be reached`}
        message={`${provider.name} does not answer right now. Try again in a moment, or log in with your password or a passkey.`}
      />,
      502,
    ) as never;
  }
};

export const callback: AppRouteHandler<typeof routes.callback> = async (c) => {
  const provider = providerOf(c, c.req.valid("param").provider);
  if (!provider) return noSuchProvider(c) as never;
  const social = c.var.auth.social;
  const cookie = getCookie(c, FLOW_COOKIE);
  deleteCookie(c, FLOW_COOKIE, flowCookieOptions(c));
  const failed = (status: 400 | 502, message: string) =>
    c.html(<ProviderProblemPage title={`Signing in with ${provider.name} did not work`} message={message} />, status) as never;
  let flow;
  let who;
  try {
    flow = await social.flowOf(provider, cookie);
    who = await social.identify(provider, new URL(c.req.url), flow);
  } catch (error) {
    if (!(error instanceof ProviderFailed)) throw error;
    const refused = error.kind === "refused";
    return failed(
      refused ? 400 : 502,
      refused
        ? `The sign-in was refused or did not start in this browser (${error.reason}). Start again from the login page.`
        : `${provider.name} failed or could not be reached (${error.reason}). Try again in a moment, or log in with your password or a passkey.`,
    );
  }
  const current = await c.var.auth.getSession(readSessionCookie(c));
  let outcome;
  try {
    outcome = await social.finish(provider, flow, who, current, clientInfo(c));
  } catch (error) {
    if (error instanceof SecondFactorRequired) {
      setPendingLoginCookie(c, (error as SecondFactorRequired & { pendingSecret: string }).pendingSecret, PENDING_LOGIN_SECONDS);
      return c.redirect(`/account/login/two-factor?next=${encodeURIComponent(flow.next)}`, 303) as never;
    }
    throw error;
  }
  switch (outcome.kind) {
    case "session":
      setSessionCookie(c, outcome.sessionId, c.var.config.auth.sessionLifetimeSeconds);
      return c.redirect(flow.next, 303) as never;
    case "linked":
      return c.redirect("/account/profile?linked=1", 303) as never;
    case "reauthenticated":
      return c.redirect(flow.next, 303) as never;
    case "linked-elsewhere":
      return failed(400, `That ${outcome.provider} account is not the one linked to this account here.`);
    case "unverified":
      return failed(
        400,
        `${outcome.provider} did not say your email address is verified, so it cannot sign you in here. Verify the address with ${outcome.provider}, or create an account with a password.`,
      );
    case "address-taken":
      return failed(
        400,
        `An account with the address ${outcome.email} exists already, so ${outcome.provider} cannot sign in to it on its own: nobody can take an account by claiming its address. Log in to that account the usual way (password, second factor or passkey), then link ${outcome.provider} on your profile.`,
      );
  }
};

export const unlink: AppRouteHandler<typeof routes.unlink> = async (c) => {
  const { provider: id } = validBody(c, UnlinkForm);
  const current = await requireSession(c);
  const provider = providerOf(c, id);
  if (!provider || !(await c.var.auth.social.unlink(current, provider, clientInfo(c)))) {
    return c.html(
      <ProviderProblemPage
        title="Not unlinked"
        message="That provider is not linked, or it is your last way to sign in: set a password (through a reset link) or add a passkey first."
      />,
      400,
    ) as never;
  }
  return c.redirect("/account/profile", 303) as never;
};
