import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { InvalidResetToken } from "../auth/errors";
import { readFields } from "../http/body";
import type { AppEnv } from "../http/context";
import { pages } from "../http/contract";
import { clearSessionCookie, readDeviceCookie, readSessionCookie, setDeviceCookie, setSessionCookie } from "../http/cookie";
import { failureOf, logUnexpected } from "../http/errors";
import { pageMessage } from "../views/messages";
import { rateLimit } from "../http/rate-limit";
import { DonePage, ForgotPage, LoginPage, ProblemPage, ProfilePage, RegisterPage, ResetPage, TokenPage } from "../views/account";
import { Layout } from "../views/layout";

/**
 * Server-rendered pages over the same Auth code as the JSON API. Plain HTML forms, so they work
 * without JavaScript: logging out and setting a password are POST actions of their own.
 */

const minLength = (c: Context<AppEnv>) => c.var.config.passwordMinLength;

/** What a failed form carried (the body is cached by Hono), to fill the form in again. */
async function submitted(c: Context<AppEnv>): Promise<{ email: string; token: string }> {
  try {
    const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
    return { email: (form.get("email") ?? "").slice(0, 254), token: (form.get("reset_token") ?? "").slice(0, 256) };
  } catch {
    return { email: "", token: "" };
  }
}

type Refill = { error: string; email: string; token: string; tokenRefused: boolean };

/** Which form a failed POST shows again, with the error and what can be kept of the input. */
const formAfterFailure: Record<string, (c: Context<AppEnv>, refill: Refill) => ReturnType<typeof Layout>> = {
  [pages.register.path]: (c, { error, email }) => <RegisterPage error={error} email={email} minLength={minLength(c)} />,
  [pages.logIn.path]: (_, { error, email }) => <LoginPage error={error} email={email} />,
  [pages.forgot.path]: (_, { error, email }) => <ForgotPage error={error} email={email} />,
  // Keep a token that may still work (a too-short password, say); drop one that was refused.
  [pages.reset.path]: (c, { error, email, token, tokenRefused }) => (
    <ResetPage error={error} email={email} token={tokenRefused ? "" : token} minLength={minLength(c)} />
  ),
};

/** Remembers the address just registered for the login form, without putting it in a URL. */
const REGISTERED_COOKIE = "registered_email";
const registeredCookieOptions = (c: Context<AppEnv>) =>
  ({ path: pages.loginForm.path, httpOnly: true, sameSite: "Lax", secure: new URL(c.req.url).protocol === "https:" }) as const;

export const accountPages = new Hono<AppEnv>()
  .get(pages.home.path, async (c) => {
    const user = await c.var.auth.getUserFromSessionId(readSessionCookie(c));
    return c.redirect(user ? pages.profile.path : pages.loginForm.path, 303);
  })
  .get(pages.registerForm.path, (c) => c.html(<RegisterPage minLength={minLength(c)} />))
  .post(pages.register.path, rateLimit("REGISTER_RATE_LIMITER", "register"), async (c) => {
    const { email, password } = await readFields(c, pages.register.fields(c.var.config));
    await c.var.auth.registerUser(email, password);
    setCookie(c, REGISTERED_COOKIE, email, { ...registeredCookieOptions(c), maxAge: 600 });
    return c.redirect(`${pages.loginForm.path}?registered=1`, 303);
  })
  .get(pages.loginForm.path, (c) => {
    const registered = c.req.query("registered") !== undefined;
    const notice = registered ? "Account created: you can log in now." : c.req.query("logged_out") ? "You are logged out." : undefined;
    const email = registered ? getCookie(c, REGISTERED_COOKIE)?.slice(0, 254) : undefined;
    if (email !== undefined) deleteCookie(c, REGISTERED_COOKIE, registeredCookieOptions(c));
    return c.html(<LoginPage notice={notice} email={email} />);
  })
  .post(pages.logIn.path, rateLimit("LOGIN_RATE_LIMITER", "login"), async (c) => {
    const { email, password } = await readFields(c, pages.logIn.fields());
    const { sessionId, deviceToken } = await c.var.auth.logIn(email, password, readDeviceCookie(c));
    setSessionCookie(c, sessionId, c.var.config.auth.sessionLifetimeSeconds);
    setDeviceCookie(c, deviceToken);
    return c.redirect(pages.profile.path, 303);
  })
  .get(pages.profile.path, async (c) => {
    const user = await c.var.auth.getUserFromSessionId(readSessionCookie(c));
    if (!user) return c.redirect(pages.loginForm.path, 303);
    return c.html(<ProfilePage email={user.email} />);
  })
  .post(pages.logOut.path, async (c) => {
    await c.var.auth.endSession(readSessionCookie(c));
    clearSessionCookie(c);
    return c.redirect(`${pages.loginForm.path}?logged_out=1`, 303);
  })
  .get(pages.forgotForm.path, (c) => c.html(<ForgotPage />))
  .post(pages.forgot.path, rateLimit("RESET_RATE_LIMITER", "reset-request"), async (c) => {
    const { email } = await readFields(c, pages.forgot.fields());
    const token = await c.var.auth.getResetPasswordToken(email);
    const minutes = Math.round(c.var.config.auth.resetTokenLifetimeSeconds / 60);
    return c.html(<TokenPage email={email} token={token} minutes={minutes} minLength={minLength(c)} />);
  })
  .get(pages.resetForm.path, (c) => c.html(<ResetPage minLength={minLength(c)} />))
  .post(pages.reset.path, rateLimit("RESET_RATE_LIMITER", "reset-update"), async (c) => {
    const { email, reset_token, new_password } = await readFields(c, pages.reset.fields(c.var.config));
    await c.var.auth.updatePassword(reset_token, new_password, email);
    return c.html(<DonePage />);
  })
  .onError((error, c) => pageFailure(error, c));

/**
 * The pages' error model: the same failures and statuses as the API, rendered for a person. A
 * failed form post shows its form again with the message and what can be kept of the input;
 * anything else (refused before page code ran, a missing page, an outage) gets a short page.
 * The app's own error handler sends every failure under /account here.
 */
export async function pageFailure(error: unknown, c: Context<AppEnv>): Promise<Response> {
  const failure = failureOf(error);
  if (!failure) logUnexpected(error, c);
  const status = failure?.status ?? 500;
  const resetTokenMinutes = Math.round((c.var.config?.auth.resetTokenLifetimeSeconds ?? 3600) / 60);
  const message = pageMessage(error, status, { resetTokenMinutes });
  // Refusals from before the page's own code (CSRF, body size, settings) have no form to fill in again.
  const formFailure = failure && (!(error instanceof HTTPException) || status === 400);
  const form = c.req.method === "POST" && formFailure ? formAfterFailure[c.req.path] : undefined;
  if (form) {
    const refill = { error: message, ...(await submitted(c)), tokenRefused: error instanceof InvalidResetToken };
    return c.html(form(c, refill), status, failure!.headers);
  }
  const title = status === 503 ? "Service unavailable" : status >= 500 ? "Something went wrong" : "Request refused";
  return c.html(<ProblemPage title={title} message={message} />, status, failure?.headers ?? {});
}

/** Whether the request is for the pages (which answer in HTML), not the JSON API. */
export function isPage(c: Context): boolean {
  return c.req.path === "/account" || c.req.path.startsWith("/account/");
}

/** An HTML 404 for a path under /account that is not a page. */
export function pageNotFound(c: Context<AppEnv>): Response | Promise<Response> {
  return c.html(
    <ProblemPage title="Page not found" message="There is no page at this address. Check the link, or start from the login page." />,
    404,
  );
}

/** An HTML 405 for a page asked with a method it does not take. */
export function pageMethodNotAllowed(c: Context<AppEnv>, methods: string[]): Response | Promise<Response> {
  return c.html(
    <ProblemPage title="Request refused" message="This page cannot be used that way. Open it from a link or a form on this site." />,
    405,
    {
      Allow: methods.join(", "),
    },
  );
}
