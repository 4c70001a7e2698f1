import { validBody } from "../../http/body";
import type { AppRouteHandler } from "../../http/router";
import { checkNewPassword } from "../../http/schemas";
import type { requestReset as requestResetRoute, resetPassword as resetPasswordRoute } from "./password-reset.routes";

export const requestReset: AppRouteHandler<typeof requestResetRoute> = async (c) => {
  const { email } = validBody(c);
  const resetToken = await c.var.auth.getResetPasswordToken(email);
  return c.json({ email, reset_token: resetToken }, 200);
};

export const resetPassword: AppRouteHandler<typeof resetPasswordRoute> = async (c) => {
  const { email, reset_token, new_password } = validBody(c);
  checkNewPassword(new_password, c.var.config.passwordMinLength, "new_password");
  await c.var.auth.updatePassword(reset_token, new_password, email);
  return c.json({ email, message: "Password updated" as const }, 200);
};
