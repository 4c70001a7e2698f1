import { Hono } from "hono";
import { NotLoggedIn } from "../auth/errors";
import { emailField, readFields, secretField } from "../http/body";
import type { AppEnv } from "../http/context";
import { readSessionCookie } from "../http/cookie";

export const usersRoutes = new Hono<AppEnv>()
  .post("/users", async (c) => {
    const { email, password } = await readFields(c, { email: emailField, password: secretField });
    await c.var.auth.registerUser(email, password);
    return c.json({ email, message: "user created" });
  })
  .get("/profile", async (c) => {
    const user = await c.var.auth.getUserFromSessionId(readSessionCookie(c));
    if (!user) throw new NotLoggedIn("no session");
    return c.json({ email: user.email });
  });
