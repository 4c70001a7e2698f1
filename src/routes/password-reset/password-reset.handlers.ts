import { validBody } from "../../http/body";
import type { AppRouteHandler } from "../../http/router";
import { checkNewPassword } from "../../http/schemas";
import {
  RequestResetBody,
  ResetBody,
  type requestReset as requestResetRoute,
  type resetPassword as resetPasswordRoute,
} from "./password-reset.routes";

export const requestReset: AppRouteHandler<typeof requestResetRoute> = async (c) => {
  const { email } = validBody(c, RequestResetBody);
  const resetToken = await c.var.auth.getResetPasswordToken(email);
  return c.json({ email, reset_token: resetToken }, 200);
};

export const resetPassword: AppRouteHandler<typeof resetPasswordRoute> = async (c) => {
  const { email, reset_token, new_password } = validBody(c, ResetBody);
  checkNewPassword(new_password, c.var.config.passwordMinLength, "new_password");
  await c.var.auth.updatePassword(reset_token, new_password, email);
  return c.json({ email, message: "Password updated" as const }, 200);
};
