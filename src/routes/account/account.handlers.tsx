import type { Context } from "hono";
import { UNUSABLE_PASSWORD } from "../../auth/account";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { validBody } from "../../http/body";
import { type AppEnv, clientInfo, requireSession } from "../../http/context";
import {
  clearSessionCookie,
  keepingPendingLogin,
  readDeviceCookie,
  readSessionCookie,
  setDeviceCookie,
  setSessionCookie,
} from "../../http/cookie";
import { safeNext } from "../../http/pages";
import { SecondFactorRequired } from "../../auth/errors";
import { PENDING_LOGIN_SECONDS } from "../../auth/sessions";
import type { AppRouteHandler } from "../../http/router";
import { checkNewPassword } from "../../http/schemas";
import { isPlainAddress } from "../../auth/addresses";
import { ChangeEmailPage, CheckMailPage, ConfirmLinkPage, DoneWithLinkPage, RevertEmailPage } from "../../views/email";
import { AccountDeletedPage, DeletePage, PasswordChangedPage, PasswordPage, ProfilePage } from "../../views/profile";
import { DonePage, ForgotPage, ResetPage, TokenPage } from "../../views/reset";
import { SessionsPage } from "../../views/sessions";
import { LoginPage, RegisterPage } from "../../views/sign-in";
import type * as routes from "./account.routes";
import { RequestResetBody } from "../password-reset/password-reset.routes";
import { LoginBody } from "../sessions/sessions.routes";
import { ResendBody, RevertBody, TokenBody } from "../email/email.routes";
import { ChangeEmailBody, ChangePasswordBody, DeleteAccountBody } from "../profile/profile.routes";
import { RegisterBody } from "../users/users.routes";
import { EndSessionForm, PageResetBody } from "./account.routes";

const minLength = (c: Context<AppEnv>) => c.var.config.passwordMinLength;

/** Remembers the address just registered for the login form, without putting it in a URL. */
const REGISTERED_COOKIE = "registered_email";
const registeredCookieOptions = (c: Context<AppEnv>) =>
  ({ path: "/account/login", httpOnly: true, sameSite: "Lax", secure: new URL(c.req.url).protocol === "https:" }) as const;

export const home: AppRouteHandler<typeof routes.home> = async (c) => {
  const user = await c.var.auth.getUserFromSessionId(readSessionCookie(c));
  return c.redirect(user ? "/account/profile" : "/account/login", 303);
};

export const registerForm: AppRouteHandler<typeof routes.registerForm> = (c) =>
  c.html(<RegisterPage minLength={minLength(c)} providers={c.var.config.signIn.providers} />, 200);

export const register: AppRouteHandler<typeof routes.register> = async (c) => {
  const { email, password } = validBody(c, RegisterBody);
  checkNewPassword(password, minLength(c), "password");
  await c.var.auth.registerUser(email, password);
  setCookie(c, REGISTERED_COOKIE, email, { ...registeredCookieOptions(c), maxAge: 600 });
  return c.redirect("/account/login?registered=1", 303);
};

export const loginForm: AppRouteHandler<typeof routes.loginForm> = (c) => {
  const { registered, logged_out, next, login_hint } = c.req.valid("query");
  // With verification required, logging in waits for the link: say so, not "log in now".
  const created = c.var.config.auth.requireEmailVerification
    ? "Account created. We sent a link to your address: open it to confirm the address, then log in."
    : "Account created: you can log in now.";
  const notice = registered !== undefined ? created : logged_out !== undefined ? "You are logged out." : undefined;
  const email = registered !== undefined ? getCookie(c, REGISTERED_COOKIE)?.slice(0, 254) : undefined;
  if (email !== undefined) deleteCookie(c, REGISTERED_COOKIE, registeredCookieOptions(c));
  const filled = email ?? login_hint?.slice(0, 254);
  return c.html(
    <LoginPage
      notice={notice}
      email={filled}
      next={next}
      passkeys={c.var.config.auth.passkeys}
      providers={c.var.config.signIn.providers}
    />,
    200,
  );
};

export const logIn: AppRouteHandler<typeof routes.logIn> = async (c) => {
  const { email, password } = validBody(c, LoginBody);
  const { next } = c.req.valid("query");
  let login;
  try {
    login = await keepingPendingLogin(c, c.var.auth.logIn(email, password, readDeviceCookie(c), clientInfo(c)), PENDING_LOGIN_SECONDS);
  } catch (error) {
    // Two-factor on: the code's page, the pending login in its cookie.
    if (error instanceof SecondFactorRequired)
      return c.redirect(`/account/login/two-factor${next ? `?next=${encodeURIComponent(next)}` : ""}`, 303);
    throw error;
  }
  setSessionCookie(c, login.sessionId, c.var.config.auth.sessionLifetimeSeconds);
  setDeviceCookie(c, login.deviceToken);
  return c.redirect(safeNext(next), 303);
};

export const profile: AppRouteHandler<typeof routes.profile> = async (c) => {
  const current = await c.var.auth.getSession(readSessionCookie(c));
  if (!current) return c.redirect("/account/login", 303);
  const { user } = current;
  const providers = c.var.config.signIn.providers;
  // The linked providers cost a query only where providers are configured.
  const linked = providers.length > 0 ? (await c.var.auth.social.links(current)).map((l) => l.provider) : [];
  return c.html(
    <ProfilePage
      email={user.email}
      verified={user.emailVerifiedAt !== null}
      sendsMail={c.var.config.auth.sendsMail}
      plainAddress={isPlainAddress(user.email)}
      passkeys={c.var.config.auth.passkeys}
      providers={providers}
      linked={linked}
    />,
    200,
  );
};

export const logOut: AppRouteHandler<typeof routes.logOut> = async (c) => {
  await c.var.auth.endSession(readSessionCookie(c));
  clearSessionCookie(c);
  return c.redirect("/account/login?logged_out=1", 303);
};

const byMail = (c: Context<AppEnv>) => c.var.config.auth.resetTokenDelivery === "email";

export const forgotForm: AppRouteHandler<typeof routes.forgotForm> = (c) => c.html(<ForgotPage byMail={byMail(c)} />, 200);

export const forgot: AppRouteHandler<typeof routes.forgot> = async (c) => {
  const { email } = validBody(c, RequestResetBody);
  if (byMail(c)) {
    await c.var.auth.requestPasswordReset(email);
    return c.html(
      <CheckMailPage
        title="Check your mail"
        message="If this address has an account, a link to choose a new password is on its way. It works once."
      />,
      200,
    );
  }
  const token = await c.var.auth.getResetPasswordToken(email);
  const minutes = Math.round(c.var.config.auth.resetTokenLifetimeSeconds / 60);
  return c.html(<TokenPage email={email} token={token} minutes={minutes} minLength={minLength(c)} />, 200);
};

export const resetForm: AppRouteHandler<typeof routes.resetForm> = (c) => {
  const { token } = c.req.valid("query");
  return c.html(<ResetPage minLength={minLength(c)} token={token} fromLink={token !== undefined} />, 200);
};

export const reset: AppRouteHandler<typeof routes.reset> = async (c) => {
  const { email, reset_token, new_password } = validBody(c, PageResetBody);
  checkNewPassword(new_password, minLength(c), "new_password");
  await c.var.auth.updatePassword(reset_token, new_password, email, clientInfo(c));
  return c.html(<DonePage />, 200);
};

/** Whether the user has two-factor on: the forms that take the password then ask for a code too. */
const twoFactorOn = async (c: Context<AppEnv>, userId: number) => (await c.var.auth.twoFactor.status(userId)).state === "on";

/** The live session of the request, or undefined (the GET pages send the reader to log in). */
const sessionOf = (c: Context<AppEnv>) => c.var.auth.getSession(readSessionCookie(c));

const ENDED_NOTICE: Record<string, string> = {
  one: "That session was logged out.",
  others: "Every other session was logged out: only this device is still logged in.",
};

export const sessionsPage: AppRouteHandler<typeof routes.sessionsPage> = async (c) => {
  const current = await sessionOf(c);
  if (!current) return c.redirect("/account/login", 303);
  const sessions = await c.var.auth.listSessions(current);
  return c.html(<SessionsPage sessions={sessions} notice={ENDED_NOTICE[c.req.valid("query").ended ?? ""]} />, 200);
};

export const endSession: AppRouteHandler<typeof routes.endSession> = async (c) => {
  const { session } = validBody(c, EndSessionForm);
  const current = await requireSession(c);
  await c.var.auth.endSessionById(current, session);
  if (session !== current.session.id) return c.redirect("/account/sessions?ended=one", 303);
  clearSessionCookie(c);
  return c.redirect("/account/login?logged_out=1", 303);
};

export const endOtherSessions: AppRouteHandler<typeof routes.endOtherSessions> = async (c) => {
  await c.var.auth.endOtherSessions(await requireSession(c));
  return c.redirect("/account/sessions?ended=others", 303);
};

export const passwordForm: AppRouteHandler<typeof routes.passwordForm> = async (c) => {
  const current = await sessionOf(c);
  if (!current) return c.redirect("/account/login?next=/account/password", 303);
  return c.html(<PasswordPage minLength={minLength(c)} twoFactor={await twoFactorOn(c, current.user.id)} />, 200);
};

export const changePassword: AppRouteHandler<typeof routes.changePassword> = async (c) => {
  const { current_password, new_password, code, recovery_code } = validBody(c, ChangePasswordBody);
  checkNewPassword(new_password, minLength(c), "new_password");
  const current = await requireSession(c);
  const secret = await c.var.auth.changePassword(current, current_password, new_password, readDeviceCookie(c), clientInfo(c), {
    code,
    recoveryCode: recovery_code,
  });
  // The same session, a new secret: the cookie lasts as long as the session still does.
  setSessionCookie(c, secret, Math.max(1, current.session.expiresAt - Math.floor(Date.now() / 1000)));
  return c.html(<PasswordChangedPage />, 200);
};

export const deleteForm: AppRouteHandler<typeof routes.deleteForm> = async (c) => {
  const current = await sessionOf(c);
  if (!current) return c.redirect("/account/login?next=/account/delete", 303);
  const passwordless = current.user.hashedPassword === UNUSABLE_PASSWORD;
  return c.html(
    <DeletePage email={current.user.email} twoFactor={await twoFactorOn(c, current.user.id)} passwordless={passwordless} />,
    200,
  );
};

export const deleteAccount: AppRouteHandler<typeof routes.deleteAccount> = async (c) => {
  const { password, code, recovery_code } = validBody(c, DeleteAccountBody);
  const current = await requireSession(c);
  await c.var.auth.deleteAccount(current, password, readDeviceCookie(c), clientInfo(c), { code, recoveryCode: recovery_code });
  clearSessionCookie(c);
  return c.html(<AccountDeletedPage />, 200);
};

/** The page a mailed link opens: one button, which posts its token to `action`. */
const linkPage = (c: Context<AppEnv>, token: string, page: { title: string; text: string; action: string; button: string }) =>
  c.html(<ConfirmLinkPage {...page} token={token} />, 200);

export const verifyPage: AppRouteHandler<typeof routes.verifyPage> = (c) =>
  linkPage(c, c.req.valid("query").token, {
    title: "Verify your address",
    text: "Press the button to confirm that this address is yours.",
    action: "/account/verify",
    button: "Verify my address",
  });

export const verify: AppRouteHandler<typeof routes.verify> = async (c) => {
  const email = await c.var.auth.verifyEmail(validBody(c, TokenBody).token);
  return c.html(
    <DoneWithLinkPage
      title="Address verified"
      message={`${email} is verified.`}
      next={{ href: "/account/profile", label: "To your account" }}
    />,
    200,
  );
};

export const resendVerification: AppRouteHandler<typeof routes.resendVerification> = async (c) => {
  await c.var.auth.resendVerification(validBody(c, ResendBody).email);
  return c.html(
    <CheckMailPage
      title="Check your mail"
      message="If this address has an account that is not verified yet, a new verification link is on its way."
    />,
    200,
  );
};

export const emailForm: AppRouteHandler<typeof routes.emailForm> = async (c) => {
  const current = await sessionOf(c);
  if (!current) return c.redirect("/account/login?next=/account/email", 303);
  return c.html(<ChangeEmailPage current={current.user.email} twoFactor={await twoFactorOn(c, current.user.id)} />, 200);
};

export const changeEmail: AppRouteHandler<typeof routes.changeEmail> = async (c) => {
  const { password, new_email, code, recovery_code } = validBody(c, ChangeEmailBody);
  const current = await requireSession(c);
  await c.var.auth.requestEmailChange(current, password, new_email, readDeviceCookie(c), clientInfo(c), {
    code,
    recoveryCode: recovery_code,
  });
  return c.html(
    <CheckMailPage
      title="Check the new address"
      message={`A link is on its way to ${new_email}. Your address changes when you open it.`}
      back={{ href: "/account/profile", label: "Back to your account" }}
    />,
    200,
  );
};

export const confirmEmailPage: AppRouteHandler<typeof routes.confirmEmailPage> = (c) =>
  linkPage(c, c.req.valid("query").token, {
    title: "Use this address",
    text: "Press the button to make this address the one your account uses.",
    action: "/account/email/confirm",
    button: "Use this address",
  });

export const confirmEmail: AppRouteHandler<typeof routes.confirmEmail> = async (c) => {
  const email = await c.var.auth.confirmEmailChange(validBody(c, TokenBody).token, clientInfo(c));
  return c.html(
    <DoneWithLinkPage
      title="Address changed"
      message={`Your account now uses ${email}.`}
      next={{ href: "/account/profile", label: "To your account" }}
    />,
    200,
  );
};

export const cancelEmailPage: AppRouteHandler<typeof routes.cancelEmailPage> = (c) =>
  linkPage(c, c.req.valid("query").token, {
    title: "Cancel the address change",
    text: "Someone asked to move your account to another address. Press the button to stop it: your account keeps this address.",
    action: "/account/email/cancel",
    button: "Cancel the change",
  });

export const cancelEmail: AppRouteHandler<typeof routes.cancelEmail> = async (c) => {
  await c.var.auth.cancelEmailChange(validBody(c, TokenBody).token);
  return c.html(
    <DoneWithLinkPage
      title="Change cancelled"
      message="Your account keeps this address. If you did not ask for the change, someone knows your password: choose a new one now."
      next={{ href: "/account/forgot", label: "Choose a new password" }}
    />,
    200,
  );
};

export const revertEmailPage: AppRouteHandler<typeof routes.revertEmailPage> = (c) =>
  c.html(<RevertEmailPage token={c.req.valid("query").token} minLength={minLength(c)} />, 200);

export const revertEmail: AppRouteHandler<typeof routes.revertEmail> = async (c) => {
  const { token, new_password } = validBody(c, RevertBody);
  checkNewPassword(new_password, minLength(c), "new_password");
  const email = await c.var.auth.revertEmailChange(token, new_password, clientInfo(c));
  return c.html(
    <DoneWithLinkPage
      title="Address restored"
      message={`Your account uses ${email} again, with the new password. Every device was logged out.`}
      next={{ href: "/account/login", label: "Log in" }}
    />,
    200,
  );
};
