import { Hono } from "hono";
import { NotLoggedIn } from "../auth/errors";
import { readFields } from "../http/body";
import type { AppEnv } from "../http/context";
import { api } from "../http/contract";
import { readSessionCookie } from "../http/cookie";
import { rateLimit } from "../http/rate-limit";

export const usersRoutes = new Hono<AppEnv>()
  .post("/users", rateLimit("REGISTER_RATE_LIMITER", "register"), async (c) => {
    const { email, password } = await readFields(c, api.register.fields(c.var.config));
    await c.var.auth.registerUser(email, password);
    return c.json({ email, message: "user created" });
  })
  .get("/profile", async (c) => {
    const user = await c.var.auth.getUserFromSessionId(readSessionCookie(c));
    if (!user) throw new NotLoggedIn("no live session");
    return c.json({ email: user.email });
  });
