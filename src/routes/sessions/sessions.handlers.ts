import { NotLoggedIn } from "../../auth/errors";
import { validBody } from "../../http/body";
import { clientInfo } from "../../http/context";
import { clearSessionCookie, readDeviceCookie, readSessionCookie, setDeviceCookie, setSessionCookie } from "../../http/cookie";
import type { AppRouteHandler } from "../../http/router";
import { LoginBody, type logIn as logInRoute, type logOut as logOutRoute } from "./sessions.routes";

export const logIn: AppRouteHandler<typeof logInRoute> = async (c) => {
  const { email, password } = validBody(c, LoginBody);
  const { sessionId, deviceToken } = await c.var.auth.logIn(email, password, readDeviceCookie(c), clientInfo(c));
  setSessionCookie(c, sessionId, c.var.config.auth.sessionLifetimeSeconds);
  setDeviceCookie(c, deviceToken);
  return c.json({ email, message: "logged in" as const }, 200);
};

export const logOut: AppRouteHandler<typeof logOutRoute> = async (c) => {
  if (!(await c.var.auth.endSession(readSessionCookie(c)))) throw new NotLoggedIn("no live session");
  clearSessionCookie(c);
  return c.redirect("/", 302);
};
