import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { InvalidResetToken } from "../../src/auth/errors";
import { sha256Hex } from "../../src/auth/tokens";
import { call, loggedIn, makeAuth, makeDb, sessionCookieOf, uniqueEmail } from "../helpers";

const HOUR = 3600;
const DAY = 24 * HOUR;

/** An Auth whose clock the test moves. */
function clockedAuth() {
  const clock = { now: 1_900_000_000 };
  const auth = makeAuth({ now: () => clock.now });
  return { auth, clock };
}

async function userWithSession() {
  const { auth, clock } = clockedAuth();
  const email = uniqueEmail();
  const user = await auth.registerUser(email, "pw");
  const { sessionId } = await auth.logIn(email, "pw");
  return { auth, clock, email, user, sessionId };
}

describe("session expiry", () => {
  it("a session ends at its absolute lifetime (30 days) even when used every day", async () => {
    const { auth, clock, sessionId, user } = await userWithSession();
    const start = clock.now;
    for (let day = 1; day < 30; day++) {
      clock.now = start + day * DAY;
      expect(await auth.getUserFromSessionId(sessionId)).not.toBeNull();
    }
    clock.now = start + 30 * DAY;
    expect(await auth.getUserFromSessionId(sessionId)).toBeNull();
    // ...and is cleared, like an unknown one.
    expect((await makeDb().findUserBy({ id: user.id })).sessionId).toBeNull();
  });

  it("a session ends after 7 idle days", async () => {
    const { auth, clock, sessionId } = await userWithSession();
    const start = clock.now;
    clock.now = start + 7 * DAY - 1;
    expect(await auth.getUserFromSessionId(sessionId)).not.toBeNull();
    // That use moved the idle deadline: 7 idle days from now.
    clock.now = start + 14 * DAY - 2;
    expect(await auth.getUserFromSessionId(sessionId)).not.toBeNull();
    clock.now += 7 * DAY;
    expect(await auth.getUserFromSessionId(sessionId)).toBeNull();
  });

  it("moves the idle deadline at most once an hour", async () => {
    const { auth, clock, sessionId, user } = await userWithSession();
    const db = makeDb();
    const firstDeadline = (await db.findUserBy({ id: user.id })).sessionIdleExpiresAt;
    clock.now += HOUR - 1;
    await auth.getUserFromSessionId(sessionId);
    expect((await db.findUserBy({ id: user.id })).sessionIdleExpiresAt).toBe(firstDeadline);
    clock.now += 1;
    await auth.getUserFromSessionId(sessionId);
    expect((await db.findUserBy({ id: user.id })).sessionIdleExpiresAt).toBe(clock.now + 7 * DAY);
  });

  it("with an idle timeout under an hour, a session in use stays alive and an idle one ends", async () => {
    const clock = { now: 1_900_000_000 };
    const auth = makeAuth({ now: () => clock.now, sessionIdleTimeoutSeconds: 60 });
    const email = uniqueEmail();
    await auth.registerUser(email, "pw");
    const { sessionId: busy } = await auth.logIn(email, "pw");
    const other = uniqueEmail();
    await auth.registerUser(other, "pw");
    const { sessionId: idle } = await auth.logIn(other, "pw");
    // Used every 8 s for five minutes, well past the 60 s idle timeout.
    for (let t = 8; t <= 300; t += 8) {
      clock.now += 8;
      expect(await auth.getUserFromSessionId(busy), `after ${t} s`).not.toBeNull();
    }
    // The other session was not used for those five minutes.
    expect(await auth.getUserFromSessionId(idle)).toBeNull();
    // The busy one ends 60 s after its last use, give or take the refresh step (6 s here).
    clock.now += 60;
    expect(await auth.getUserFromSessionId(busy)).toBeNull();
  });

  it("over HTTP an expired session is a 403 on profile and logout, and is cleared", async () => {
    const { email, cookie } = await loggedIn();
    await env.DB.prepare("UPDATE users SET session_expires_at = unixepoch() - 1 WHERE email = ?").bind(email).run();
    expect((await call("GET", "/profile", { cookie })).status).toBe(403);
    const row = await env.DB.prepare("SELECT session_id FROM users WHERE email = ?").bind(email).first();
    expect(row).toEqual({ session_id: null });

    const second = await loggedIn(email);
    await env.DB.prepare("UPDATE users SET session_idle_expires_at = unixepoch() - 1 WHERE email = ?").bind(email).run();
    expect((await call("DELETE", "/sessions", { cookie: second.cookie })).status).toBe(403);
    expect(await env.DB.prepare("SELECT session_id FROM users WHERE email = ?").bind(email).first()).toEqual({ session_id: null });
  });
});

describe("one session per user", () => {
  it("a new login replaces the previous session", async () => {
    const { email, cookie: first } = await loggedIn();
    const login = await call("POST", "/sessions", { form: { email, password: "pw" } });
    const second = `session_id=${sessionCookieOf(login)}`;
    expect((await call("GET", "/profile", { cookie: first })).status).toBe(403);
    expect((await call("GET", "/profile", { cookie: second })).status).toBe(200);
  });
});

describe("reset tokens", () => {
  it("expire after an hour", async () => {
    const { auth, clock } = clockedAuth();
    const email = uniqueEmail();
    await auth.registerUser(email, "old");
    const token = await auth.getResetPasswordToken(email);
    clock.now += HOUR;
    await expect(auth.updatePassword(token, "new", email)).rejects.toThrow(InvalidResetToken);
    expect(await auth.validLogin(email, "old")).toBe(true);

    const fresh = await auth.getResetPasswordToken(email);
    clock.now += HOUR - 1;
    await auth.updatePassword(fresh, "new", email);
    expect(await auth.validLogin(email, "new")).toBe(true);
  });

  it("a newer token replaces an older one", async () => {
    const auth = makeAuth();
    const email = uniqueEmail();
    await auth.registerUser(email, "old");
    const older = await auth.getResetPasswordToken(email);
    await auth.getResetPasswordToken(email);
    await expect(auth.updatePassword(older, "new", email)).rejects.toThrow(InvalidResetToken);
  });

  it("a successful password update ends the user's session", async () => {
    const { email, cookie } = await loggedIn();
    const reset = await call("POST", "/reset_password", { form: { email } });
    const { reset_token } = (await reset.json()) as { reset_token: string };
    expect((await call("PUT", "/reset_password", { form: { email, reset_token, new_password: "n" } })).status).toBe(200);
    expect((await call("GET", "/profile", { cookie })).status).toBe(403);
    const row = await env.DB.prepare("SELECT session_id, reset_token FROM users WHERE email = ?").bind(email).first();
    expect(row).toEqual({ session_id: null, reset_token: null });
  });

  it("the stored deadline is an hour after the request", async () => {
    const { auth, clock } = clockedAuth();
    const email = uniqueEmail();
    const user = await auth.registerUser(email, "pw");
    const token = await auth.getResetPasswordToken(email);
    const row = await makeDb().findUserBy({ id: user.id });
    expect(row.resetToken).toBe(await sha256Hex(token));
    expect(row.resetTokenExpiresAt).toBe(clock.now + HOUR);
  });
});
