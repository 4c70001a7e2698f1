import { Hono } from "hono";
import { emailField, newPasswordField, readFields, tokenField } from "../http/body";
import type { AppEnv } from "../http/context";
import { rateLimit } from "../http/rate-limit";

export const passwordResetRoutes = new Hono<AppEnv>()
  .post("/reset_password", rateLimit("RESET_RATE_LIMITER", "reset-request"), async (c) => {
    const { email } = await readFields(c, { email: emailField });
    const resetToken = await c.var.auth.getResetPasswordToken(email);
    return c.json({ email, reset_token: resetToken });
  })
  .put("/reset_password", rateLimit("RESET_RATE_LIMITER", "reset-update"), async (c) => {
    const { email, reset_token, new_password } = await readFields(c, {
      email: emailField,
      reset_token: tokenField,
      new_password: newPasswordField(c.var.config.passwordMinLength),
    });
    await c.var.auth.updatePassword(reset_token, new_password, email);
    return c.json({ email, message: "Password updated" });
  });
