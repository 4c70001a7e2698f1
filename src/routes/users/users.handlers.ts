import { NotLoggedIn } from "../../auth/errors";
import { validBody } from "../../http/body";
import { readSessionCookie } from "../../http/cookie";
import type { AppRouteHandler } from "../../http/router";
import { checkNewPassword } from "../../http/schemas";
import { type profile as profileRoute, RegisterBody, type register as registerRoute } from "./users.routes";

export const register: AppRouteHandler<typeof registerRoute> = async (c) => {
  const { email, password } = validBody(c, RegisterBody);
  checkNewPassword(password, c.var.config.passwordMinLength, "password");
  await c.var.auth.registerUser(email, password);
  return c.json({ email, message: "user created" as const }, 200);
};

export const profile: AppRouteHandler<typeof profileRoute> = async (c) => {
  const email = await c.var.auth.emailOfSession(readSessionCookie(c));
  if (email === null) throw new NotLoggedIn("no live session");
  return c.json({ email }, 200);
};
