import { Hono } from "hono";
import { readFields } from "../http/body";
import type { AppEnv } from "../http/context";
import { api } from "../http/contract";
import { rateLimit } from "../http/rate-limit";

export const passwordResetRoutes = new Hono<AppEnv>()
  .post("/reset_password", rateLimit("RESET_RATE_LIMITER", "reset-request"), async (c) => {
    const { email } = await readFields(c, api.requestReset.fields());
    const resetToken = await c.var.auth.getResetPasswordToken(email);
    return c.json({ email, reset_token: resetToken });
  })
  .put("/reset_password", rateLimit("RESET_RATE_LIMITER", "reset-update"), async (c) => {
    const { email, reset_token, new_password } = await readFields(c, api.resetPassword.fields(c.var.config));
    await c.var.auth.updatePassword(reset_token, new_password, email);
    return c.json({ email, message: "Password updated" });
  });
