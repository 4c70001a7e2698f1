import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { validBody } from "../../http/body";
import type { AppEnv } from "../../http/context";
import { clearSessionCookie, readDeviceCookie, readSessionCookie, setDeviceCookie, setSessionCookie } from "../../http/cookie";
import type { AppRouteHandler } from "../../http/router";
import { checkNewPassword } from "../../http/schemas";
import { DonePage, ForgotPage, LoginPage, ProfilePage, RegisterPage, ResetPage, TokenPage } from "../../views/account";
import type * as routes from "./account.routes";

const minLength = (c: Context<AppEnv>) => c.var.config.passwordMinLength;

/** Remembers the address just registered for the login form, without putting it in a URL. */
const REGISTERED_COOKIE = "registered_email";
const registeredCookieOptions = (c: Context<AppEnv>) =>
  ({ path: "/account/login", httpOnly: true, sameSite: "Lax", secure: new URL(c.req.url).protocol === "https:" }) as const;

export const home: AppRouteHandler<typeof routes.home> = async (c) => {
  const user = await c.var.auth.getUserFromSessionId(readSessionCookie(c));
  return c.redirect(user ? "/account/profile" : "/account/login", 303);
};

export const registerForm: AppRouteHandler<typeof routes.registerForm> = (c) => c.html(<RegisterPage minLength={minLength(c)} />, 200);

export const register: AppRouteHandler<typeof routes.register> = async (c) => {
  const { email, password } = validBody(c);
  checkNewPassword(password, minLength(c), "password");
  await c.var.auth.registerUser(email, password);
  setCookie(c, REGISTERED_COOKIE, email, { ...registeredCookieOptions(c), maxAge: 600 });
  return c.redirect("/account/login?registered=1", 303);
};

export const loginForm: AppRouteHandler<typeof routes.loginForm> = (c) => {
  const { registered, logged_out } = c.req.valid("query");
  const notice =
    registered !== undefined ? "Account created: you can log in now." : logged_out !== undefined ? "You are logged out." : undefined;
  const email = registered !== undefined ? getCookie(c, REGISTERED_COOKIE)?.slice(0, 254) : undefined;
  if (email !== undefined) deleteCookie(c, REGISTERED_COOKIE, registeredCookieOptions(c));
  return c.html(<LoginPage notice={notice} email={email} />, 200);
};

export const logIn: AppRouteHandler<typeof routes.logIn> = async (c) => {
  const { email, password } = validBody(c);
  const { sessionId, deviceToken } = await c.var.auth.logIn(email, password, readDeviceCookie(c));
  setSessionCookie(c, sessionId, c.var.config.auth.sessionLifetimeSeconds);
  setDeviceCookie(c, deviceToken);
  return c.redirect("/account/profile", 303);
};

export const profile: AppRouteHandler<typeof routes.profile> = async (c) => {
  const user = await c.var.auth.getUserFromSessionId(readSessionCookie(c));
  if (!user) return c.redirect("/account/login", 303);
  return c.html(<ProfilePage email={user.email} />, 200);
};

export const logOut: AppRouteHandler<typeof routes.logOut> = async (c) => {
  await c.var.auth.endSession(readSessionCookie(c));
  clearSessionCookie(c);
  return c.redirect("/account/login?logged_out=1", 303);
};

export const forgotForm: AppRouteHandler<typeof routes.forgotForm> = (c) => c.html(<ForgotPage />, 200);

export const forgot: AppRouteHandler<typeof routes.forgot> = async (c) => {
  const { email } = validBody(c);
  const token = await c.var.auth.getResetPasswordToken(email);
  const minutes = Math.round(c.var.config.auth.resetTokenLifetimeSeconds / 60);
  return c.html(<TokenPage email={email} token={token} minutes={minutes} minLength={minLength(c)} />, 200);
};

export const resetForm: AppRouteHandler<typeof routes.resetForm> = (c) => c.html(<ResetPage minLength={minLength(c)} />, 200);

export const reset: AppRouteHandler<typeof routes.reset> = async (c) => {
  const { email, reset_token, new_password } = validBody(c);
  checkNewPassword(new_password, minLength(c), "new_password");
  await c.var.auth.updatePassword(reset_token, new_password, email);
  return c.html(<DonePage />, 200);
};
