import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { InvalidResetToken } from "../../src/auth/errors";
import { sha256Hex } from "../../src/auth/tokens";
import { call, loggedIn, makeAuth, makeDb, secretOf, sessionCookieOf, sessionRow, uniqueEmail, updateSessionsOf } from "../helpers";

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
    // ...and is deleted, like an unknown one.
    expect(await sessionRow(sessionId)).toBeNull();
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

  it("moves the idle deadline, and last use, at most once an hour", async () => {
    const { auth, clock, sessionId } = await userWithSession();
    const first = (await sessionRow(sessionId))!;
    clock.now += HOUR - 1;
    await auth.getUserFromSessionId(sessionId);
    expect(await sessionRow(sessionId)).toMatchObject({ idle_expires_at: first.idle_expires_at, last_used_at: first.last_used_at });
    clock.now += 1;
    await auth.getUserFromSessionId(sessionId);
    expect(await sessionRow(sessionId)).toMatchObject({ idle_expires_at: clock.now + 7 * DAY, last_used_at: clock.now });
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
    await updateSessionsOf(email, "expires_at = unixepoch() - 1");
    expect((await call("GET", "/profile", { cookie })).status).toBe(403);
    expect(await sessionRow(secretOf(cookie))).toBeNull();

    const second = await loggedIn(email);
    await updateSessionsOf(email, "idle_expires_at = unixepoch() - 1");
    expect((await call("DELETE", "/sessions", { cookie: second.cookie })).status).toBe(403);
    expect(await sessionRow(secretOf(second.cookie))).toBeNull();
  });
});

describe("several sessions per user", () => {
  it("a new login adds a session; the others stay", async () => {
    const { email, cookie: first } = await loggedIn();
    const login = await call("POST", "/sessions", { form: { email, password: "pw" } });
    const second = `session_id=${sessionCookieOf(login)}`;
    expect((await call("GET", "/profile", { cookie: first })).status).toBe(200);
    expect((await call("GET", "/profile", { cookie: second })).status).toBe(200);
  });

  it("MAX_SESSIONS_PER_USER=1 gives the seed's behaviour: a new login replaces the previous session", async () => {
    const vars = { MAX_SESSIONS_PER_USER: "1" };
    const email = uniqueEmail();
    await call("POST", "/users", { form: { email, password: "pw" }, vars });
    const first = `session_id=${sessionCookieOf(await call("POST", "/sessions", { form: { email, password: "pw" }, vars }))}`;
    const second = `session_id=${sessionCookieOf(await call("POST", "/sessions", { form: { email, password: "pw" }, vars }))}`;
    expect((await call("GET", "/profile", { cookie: first, vars })).status).toBe(403);
    expect((await call("GET", "/profile", { cookie: second, vars })).status).toBe(200);
  });

  it("beyond the cap, the least recently used session ends", async () => {
    const clock = { now: 1_900_000_000 };
    const auth = makeAuth({ now: () => clock.now, maxSessionsPerUser: 3 });
    const email = uniqueEmail();
    await auth.registerUser(email, "pw");
    const secrets: string[] = [];
    for (let i = 0; i < 3; i++) {
      secrets.push((await auth.logIn(email, "pw")).sessionId);
      clock.now += 2 * HOUR;
    }
    // The first one is used now (its last use moves); the second becomes the least recently used.
    expect(await auth.getUserFromSessionId(secrets[0])).not.toBeNull();
    clock.now += 1;
    secrets.push((await auth.logIn(email, "pw")).sessionId);
    expect(await auth.getUserFromSessionId(secrets[1])).toBeNull();
    for (const i of [0, 2, 3]) expect(await auth.getUserFromSessionId(secrets[i]), `session ${i}`).not.toBeNull();
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
    expect(await env.DB.prepare("SELECT reset_token FROM users WHERE email = ?").bind(email).first()).toEqual({ reset_token: null });
    expect(await sessionRow(secretOf(cookie))).toBeNull();
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
