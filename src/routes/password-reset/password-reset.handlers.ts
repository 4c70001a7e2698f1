import { validBody } from "../../http/body";
import { clientInfo } from "../../http/context";
import type { AppRouteHandler } from "../../http/router";
import { checkNewPassword } from "../../http/schemas";
import {
  RequestResetBody,
  ResetBody,
  type requestReset as requestResetRoute,
  type resetPassword as resetPasswordRoute,
} from "./password-reset.routes";

/** The answer to every well-formed address in `email` mode, known or not. */
export const RESET_MAIL_MESSAGE = "if this address has an account, a link to reset its password is on its way";

export const requestReset: AppRouteHandler<typeof requestResetRoute> = async (c) => {
  const { email } = validBody(c, RequestResetBody);
  if (c.var.config.auth.resetTokenDelivery === "email") {
    await c.var.auth.requestPasswordReset(email);
    return c.json({ email, message: RESET_MAIL_MESSAGE }, 200);
  }
  const resetToken = await c.var.auth.getResetPasswordToken(email);
  return c.json({ email, reset_token: resetToken }, 200);
};

export const resetPassword: AppRouteHandler<typeof resetPasswordRoute> = async (c) => {
  const { email, reset_token, new_password } = validBody(c, ResetBody);
  checkNewPassword(new_password, c.var.config.passwordMinLength, "new_password");
  await c.var.auth.updatePassword(reset_token, new_password, email, clientInfo(c));
  return c.json({ email, message: "Password updated" as const }, 200);
};
