import { Hono } from "hono";
import { emailField, readFields, secretField } from "../http/body";
import type { AppEnv } from "../http/context";

export const passwordResetRoutes = new Hono<AppEnv>()
  .post("/reset_password", async (c) => {
    const { email } = await readFields(c, { email: emailField });
    const resetToken = await c.var.auth.getResetPasswordToken(email);
    return c.json({ email, reset_token: resetToken });
  })
  .put("/reset_password", async (c) => {
    const { email, reset_token, new_password } = await readFields(c, {
      email: emailField,
      reset_token: secretField,
      new_password: secretField,
    });
    await c.var.auth.updatePassword(reset_token, new_password, email);
    return c.json({ email, message: "Password updated" });
  });
