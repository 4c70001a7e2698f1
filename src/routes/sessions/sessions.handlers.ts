import { NotLoggedIn } from "../../auth/errors";
import { CHALLENGE_SECONDS } from "../../auth/passkeys";
import { PENDING_LOGIN_SECONDS } from "../../auth/sessions";
import { generateToken } from "../../auth/tokens";
import { validBody } from "../../http/body";
import { clientInfo } from "../../http/context";
import {
  clearChallengeCookie,
  clearPendingLoginCookie,
  clearSessionCookie,
  keepingPendingLogin,
  readChallengeCookie,
  readDeviceCookie,
  readPendingLoginCookie,
  readSessionCookie,
  setChallengeCookie,
  setDeviceCookie,
  setSessionCookie,
} from "../../http/cookie";
import type { AppRouteHandler } from "../../http/router";
import type * as routes from "./sessions.routes";
import { LoginBody, TwoFactorLoginBody } from "./sessions.routes";

export const logIn: AppRouteHandler<typeof routes.logIn> = async (c) => {
  const { email, password } = validBody(c, LoginBody);
  const login = c.var.auth.logIn(email, password, readDeviceCookie(c), clientInfo(c));
  const { sessionId, deviceToken } = await keepingPendingLogin(c, login, PENDING_LOGIN_SECONDS);
  setSessionCookie(c, sessionId, c.var.config.auth.sessionLifetimeSeconds);
  setDeviceCookie(c, deviceToken);
  return c.json({ email, message: "logged in" as const }, 200);
};

export const logInTwoFactor: AppRouteHandler<typeof routes.logInTwoFactor> = async (c) => {
  const { code, recovery_code } = validBody(c, TwoFactorLoginBody);
  const { user, sessionId, deviceToken } = await c.var.auth.secondFactor.finishLogin(
    readPendingLoginCookie(c),
    { code, recoveryCode: recovery_code },
    clientInfo(c),
  );
  clearPendingLoginCookie(c);
  setSessionCookie(c, sessionId, c.var.config.auth.sessionLifetimeSeconds);
  setDeviceCookie(c, deviceToken);
  return c.json({ email: user.email, message: "logged in" as const }, 200);
};

export const passkeyOptions: AppRouteHandler<typeof routes.passkeyOptions> = async (c) => {
  const secret = generateToken();
  const options = await c.var.auth.passkeys.signInOptions(secret);
  setChallengeCookie(c, secret, CHALLENGE_SECONDS);
  return c.json(options, 200);
};

export const logInPasskey: AppRouteHandler<typeof routes.logInPasskey> = async (c) => {
  const credential = c.req.valid("json");
  const challenge = readChallengeCookie(c);
  clearChallengeCookie(c);
  const { user, sessionId, deviceToken } = await c.var.auth.passkeys.signIn(credential, challenge, clientInfo(c), readDeviceCookie(c));
  setSessionCookie(c, sessionId, c.var.config.auth.sessionLifetimeSeconds);
  setDeviceCookie(c, deviceToken);
  return c.json({ email: user.email, message: "logged in" as const }, 200);
};

export const logOut: AppRouteHandler<typeof routes.logOut> = async (c) => {
  if (!(await c.var.auth.endSession(readSessionCookie(c)))) throw new NotLoggedIn("no live session");
  clearSessionCookie(c);
  return c.redirect("/", 302);
};
