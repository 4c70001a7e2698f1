import { validBody } from "../../http/body";
import { clientInfo } from "../../http/context";
import type { AppRouteHandler } from "../../http/router";
import type * as routes from "./email.routes";
import { RESEND_MESSAGE, ResendBody, RevertBody, TokenBody } from "./email.routes";
import { checkNewPassword } from "../../http/schemas";

export const verifyEmail: AppRouteHandler<typeof routes.verifyEmail> = async (c) => {
  const { token } = validBody(c, TokenBody);
  const email = await c.var.auth.verifyEmail(token);
  return c.json({ email, message: "email verified" as const }, 200);
};

export const resendVerification: AppRouteHandler<typeof routes.resendVerification> = async (c) => {
  const { email } = validBody(c, ResendBody);
  await c.var.auth.resendVerification(email);
  return c.json({ email, message: RESEND_MESSAGE }, 200);
};

export const confirmEmail: AppRouteHandler<typeof routes.confirmEmail> = async (c) => {
  const { token } = validBody(c, TokenBody);
  const email = await c.var.auth.confirmEmailChange(token, clientInfo(c));
  return c.json({ email, message: "email changed" as const }, 200);
};

export const cancelEmailChange: AppRouteHandler<typeof routes.cancelEmailChange> = async (c) => {
  await c.var.auth.cancelEmailChange(validBody(c, TokenBody).token);
  return c.json({ message: "address change cancelled" as const }, 200);
};

export const revertEmailChange: AppRouteHandler<typeof routes.revertEmailChange> = async (c) => {
  const { token, new_password } = validBody(c, RevertBody);
  checkNewPassword(new_password, c.var.config.passwordMinLength, "new_password");
  const email = await c.var.auth.revertEmailChange(token, new_password, clientInfo(c));
  return c.json({ email, message: "address restored" as const }, 200);
};
