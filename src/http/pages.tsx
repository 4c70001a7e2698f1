import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import {
  EmailNotVerified,
  InvalidCode,
  InvalidEmailToken,
  InvalidResetToken,
  NotLoggedIn,
  ReauthenticationRequired,
  SecondFactorRequired,
  SecondFactorThrottled,
} from "../auth/errors";
import type { AppEnv } from "./context";
import { failureOf, logUnexpected } from "./errors";
import { ChangeEmailPage, LinkUsedPage, RevertEmailPage } from "../views/email";
import { ProblemPage } from "../views/forms";
import { DeletePage, PasswordPage } from "../views/profile";
import { ForgotPage, ResetPage } from "../views/reset";
import { LoginPage, RegisterPage, SecondFactorPage } from "../views/sign-in";
import type { Layout } from "../views/layout";
import { pageMessage } from "../views/messages";

const minLength = (c: Context<AppEnv>) => c.var.config.passwordMinLength;

/** What a failed form carried (the body is cached by Hono), to fill the form in again. */
async function submitted(c: Context<AppEnv>): Promise<{ email: string; token: string; fromLink: boolean }> {
  try {
    const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
    return {
      email: (form.get("email") ?? form.get("new_email") ?? "").slice(0, 254),
      token: (form.get("reset_token") ?? form.get("token") ?? "").slice(0, 256),
      fromLink: !form.has("email"),
    };
  } catch {
    return { email: "", token: "", fromLink: false };
  }
}

type Refill = {
  error: string;
  email: string;
  token: string;
  tokenRefused: boolean;
  emailTokenRefused: boolean;
  unverified: boolean;
  /** The account has two-factor on (the failure was about the code): show the code fields. */
  codeAsked: boolean;
  fromLink: boolean;
};

/** The page a form that needed a recent proof came from (where "confirm it is you" returns). */
const REAUTH_RETURN: Record<string, string> = {
  "/account/sessions/end-others": "/account/sessions",
  "/account/sessions/end": "/account/sessions",
  "/account/passkeys/remove": "/account/passkeys",
  "/account/apps/revoke": "/account/apps",
  "/account/delete": "/account/delete",
};

/** Which form a failed POST shows again, with the error and what can be kept of the input. */
const formAfterFailure: Record<string, (c: Context<AppEnv>, refill: Refill) => ReturnType<typeof Layout>> = {
  ["/account/register"]: (c, { error, email }) => (
    <RegisterPage error={error} email={email} minLength={minLength(c)} providers={c.var.config.signIn.providers} />
  ),
  ["/account/login"]: (c, { error, email, unverified }) => (
    <LoginPage
      error={error}
      email={email}
      unverified={unverified}
      next={c.req.query("next")}
      passkeys={c.var.config.auth.passkeys}
      providers={c.var.config.signIn.providers}
    />
  ),
  ["/account/login/two-factor"]: (c, { error }) => <SecondFactorPage error={error} next={c.req.query("next")} />,
  ["/account/forgot"]: (c, { error, email }) => (
    <ForgotPage error={error} email={email} byMail={c.var.config.auth.resetTokenDelivery === "email"} />
  ),
  // Keep a token that may still work (a too-short password, say); drop one that was refused.
  // A form from a mailed link had no address: show that form again.
  ["/account/reset"]: (c, { error, email, token, tokenRefused, fromLink }) =>
    fromLink && tokenRefused ? (
      // A mailed link that no longer works: its reader has no address/token form to fill in.
      <LinkUsedPage
        message={`This reset link does not work any more: it may have been used already, be older than ${Math.round(c.var.config.auth.resetTokenLifetimeSeconds / 60)} minutes, or have been ended by a newer change to your account. Ask for a new one.`}
        again={{ href: "/account/forgot", label: "Get a new link" }}
      />
    ) : (
      <ResetPage
        error={error}
        email={email}
        token={tokenRefused ? "" : token}
        minLength={minLength(c)}
        fromLink={fromLink && !tokenRefused}
      />
    ),
  // A refused undo link: how to get help, not a form; any other failure: the form again.
  ["/account/email/revert"]: (c, { error, token, emailTokenRefused }) =>
    emailTokenRefused ? (
      <LinkUsedPage message={error} again={{ href: "/account/forgot", label: "Reset your password" }} />
    ) : (
      <RevertEmailPage error={error} token={token} minLength={minLength(c)} />
    ),
  ["/account/email"]: (c, { error, email, codeAsked }) => (
    <ChangeEmailPage error={error} email={email} current={c.get("sessionEmail") ?? ""} twoFactor={codeAsked} />
  ),
  // Passwords are never put back into a form.
  ["/account/password"]: (c, { error, codeAsked }) => <PasswordPage error={error} minLength={minLength(c)} twoFactor={codeAsked} />,
  ["/account/delete"]: (c, { error, codeAsked }) => <DeletePage error={error} email={c.get("sessionEmail") ?? ""} twoFactor={codeAsked} />,
};

/**
 * The pages' error model: the same failures and statuses as the API, rendered for a person. A
 * failed form post shows its form again with the message and what can be kept of the input;
 * anything else (refused before page code ran, a missing page, an outage) gets a short page.
 * The app's own error handler sends every failure under /account here.
 */
export async function pageFailure(error: unknown, c: Context<AppEnv>): Promise<Response> {
  // A sensitive action without a recent proof: confirm it is you, then back to where it was asked.
  if (error instanceof ReauthenticationRequired) {
    const back = REAUTH_RETURN[c.req.path] ?? "/account/profile";
    return c.redirect(`/account/reauthenticate?next=${encodeURIComponent(back)}`, 303);
  }
  const failure = failureOf(error);
  if (!failure) logUnexpected(error, c);
  const status = failure?.status ?? 500;
  const resetTokenMinutes = Math.round((c.var.config?.auth.resetTokenLifetimeSeconds ?? 3600) / 60);
  const message = pageMessage(error, status, { resetTokenMinutes });
  // Refusals from before the page's own code (CSRF, body size, settings) have no form to fill in again.
  // Not logged in (any more): there is no form to show, only the way to log in.
  const formFailure = failure && !(error instanceof NotLoggedIn) && (!(error instanceof HTTPException) || status === 400);
  const form = c.req.method === "POST" && formFailure ? formAfterFailure[c.req.path] : undefined;
  if (form) {
    const refill = {
      error: message,
      ...(await submitted(c)),
      tokenRefused: error instanceof InvalidResetToken,
      emailTokenRefused: error instanceof InvalidEmailToken,
      codeAsked: error instanceof SecondFactorRequired || error instanceof InvalidCode || error instanceof SecondFactorThrottled,
      unverified: error instanceof EmailNotVerified,
    };
    return c.html(form(c, refill), status, failure!.headers);
  }
  const title = status === 503 ? "Service unavailable" : status >= 500 ? "Something went wrong" : "Request refused";
  return c.html(<ProblemPage title={title} message={message} />, status, failure?.headers ?? {});
}

/** Whether the request is for the pages (which answer in HTML), not the JSON API. */
export function isPage(c: Context): boolean {
  // The provider's browser endpoints are pages too: a person is looking at them.
  return (
    c.req.path === "/account" || c.req.path.startsWith("/account/") || c.req.path === "/oauth/authorize" || c.req.path === "/oauth/logout"
  );
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

/**
 * Where a page may send a person next: only a path of this site (`/...`, not `//host` or
 * `/\\host`, which browsers read as another site), else the profile. Never an absolute URL.
 */
export function safeNext(next: string | undefined): string {
  if (
    !next ||
    next.length > 2048 ||
    !next.startsWith("/") ||
    next.startsWith("//") ||
    next.startsWith("/\\") ||
    // Only printable ASCII: a Location header carries it as it is (a browser encodes the rest).
    /[^\x21-\x7e]/.test(next)
  ) {
    return "/account/profile";
  }
  return next;
}
