import { Hono } from "hono";
import { NotLoggedIn } from "../auth/errors";
import { readFields } from "../http/body";
import type { AppEnv } from "../http/context";
import { api } from "../http/contract";
import { clearSessionCookie, readDeviceCookie, readSessionCookie, setDeviceCookie, setSessionCookie } from "../http/cookie";
import { rateLimit } from "../http/rate-limit";

export const sessionsRoutes = new Hono<AppEnv>()
  .post("/sessions", rateLimit("LOGIN_RATE_LIMITER", "login"), async (c) => {
    const { email, password } = await readFields(c, api.logIn.fields());
    const { sessionId, deviceToken } = await c.var.auth.logIn(email, password, readDeviceCookie(c));
    setSessionCookie(c, sessionId, c.var.config.auth.sessionLifetimeSeconds);
    setDeviceCookie(c, deviceToken);
    return c.json({ email, message: "logged in" });
  })
  .delete("/sessions", async (c) => {
    if (!(await c.var.auth.endSession(readSessionCookie(c)))) throw new NotLoggedIn("no live session");
    clearSessionCookie(c);
    return c.redirect("/", 302);
  });
