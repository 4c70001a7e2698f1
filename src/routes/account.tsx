import { type Context, Hono } from "hono";
import { InvalidResetToken } from "../auth/errors";
import { readFields } from "../http/body";
import type { AppEnv } from "../http/context";
import { pages } from "../http/contract";
import { clearSessionCookie, readDeviceCookie, readSessionCookie, setDeviceCookie, setSessionCookie } from "../http/cookie";
import { failureOf, logUnexpected } from "../http/errors";
import { rateLimit } from "../http/rate-limit";
import { DonePage, ForgotPage, LoginPage, ProfilePage, RegisterPage, ResetPage, TokenPage } from "../views/account";
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

export const accountPages = new Hono<AppEnv>()
  .get(pages.home.path, async (c) => {
    const user = await c.var.auth.getUserFromSessionId(readSessionCookie(c));
    return c.redirect(user ? pages.profile.path : pages.loginForm.path, 303);
  })
  .get(pages.registerForm.path, (c) => c.html(<RegisterPage minLength={minLength(c)} />))
  .post(pages.register.path, rateLimit("REGISTER_RATE_LIMITER", "register"), async (c) => {
    const { email, password } = await readFields(c, pages.register.fields(c.var.config));
    await c.var.auth.registerUser(email, password);
    return c.redirect(`${pages.loginForm.path}?registered=1`, 303);
  })
  .get(pages.loginForm.path, (c) => {
    const notice = c.req.query("registered")
      ? "Account created: you can log in now."
      : c.req.query("logged_out")
        ? "You are logged out."
        : undefined;
    return c.html(<LoginPage notice={notice} />);
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
  .onError(async (error, c) => {
    // Same error model as the API, rendered for people: the form again, with the message.
    const failure = failureOf(error);
    if (!failure) {
      logUnexpected(error, c);
      return c.html(<Problem title="Something went wrong" message="Please try again in a moment." />, 500);
    }
    const form = formAfterFailure[c.req.path];
    const refill = { error: failure.message, ...(await submitted(c)), tokenRefused: error instanceof InvalidResetToken };
    const body = form ? form(c, refill) : <Problem title="Request refused" message={failure.message} />;
    return c.html(body, failure.status, failure.headers);
  });

function Problem(props: { title: string; message: string }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p class="alert error" role="alert">
        {props.message}
      </p>
      <p class="links">
        <a href="/account/login">Log in</a>
      </p>
    </Layout>
  );
}
