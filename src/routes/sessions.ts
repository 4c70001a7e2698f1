import { Hono } from "hono";
import { InvalidCredentials, NotLoggedIn } from "../auth/errors";
import { emailField, readFields, secretField } from "../http/body";
import type { AppEnv } from "../http/context";
import { clearSessionCookie, readSessionCookie, setSessionCookie } from "../http/cookie";

export const sessionsRoutes = new Hono<AppEnv>()
  .post("/sessions", async (c) => {
    const { email, password } = await readFields(c, { email: emailField, password: secretField });
    const auth = c.var.auth;
    if (!(await auth.validLogin(email, password))) throw new InvalidCredentials("bad credentials");
    const sessionId = await auth.createSession(email);
    if (!sessionId) throw new InvalidCredentials("account vanished during login");
    setSessionCookie(c, sessionId);
    return c.json({ email, message: "logged in" });
  })
  .delete("/sessions", async (c) => {
    const auth = c.var.auth;
    const user = await auth.getUserFromSessionId(readSessionCookie(c));
    if (!user) throw new NotLoggedIn("no session");
    await auth.destroySession(user.id);
    clearSessionCookie(c);
    return c.redirect("/", 302);
  });
