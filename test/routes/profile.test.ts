import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deviceLabel } from "../../src/auth/device-label";
import worker from "../../src/index";
import { call, dispatch, loggedIn, randomIp, register, secretOf, sessionCookieOf, sessionRow, uniqueEmail } from "../helpers";

type SessionJson = {
  id: string;
  device: string | null;
  country: string | null;
  created_at: number;
  last_used_at: number;
  current: boolean;
};

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0";
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";

/** Logs in as a given browser, from a given country (request.cf as Cloudflare sets it). */
async function logInFrom(email: string, userAgent: string, country?: string): Promise<string> {
  const request = new Request("http://localhost/sessions", {
    method: "POST",
    headers: { "user-agent": userAgent, "cf-connecting-ip": randomIp(), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password: "pw" }),
    cf: country ? { country } : undefined,
  });
  const response = await dispatch(request);
  expect(response.status).toBe(200);
  return `session_id=${sessionCookieOf(response)}`;
}

async function sessionsOf(cookie: string): Promise<SessionJson[]> {
  const response = await call("GET", "/profile/sessions", { cookie });
  expect(response.status).toBe(200);
  return ((await response.json()) as { sessions: SessionJson[] }).sessions;
}

describe("several sessions: list them, end one, the others or all", () => {
  it("lists every session with device, country and times, the current one marked, never the secret", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    const laptop = await logInFrom(email, FIREFOX, "FR");
    const phone = await logInFrom(email, IPHONE);
    const list = await sessionsOf(phone);
    expect(list).toHaveLength(2);
    expect(list.map((s) => [s.device, s.country, s.current])).toEqual([
      ["Safari on iPhone", null, true],
      ["Firefox on Linux", "FR", false],
    ]);
    for (const s of list) {
      expect(s.id).toMatch(/^[0-9a-f]{32}$/);
      expect(s.created_at).toBeGreaterThan(1_700_000_000);
      expect(s.last_used_at).toBeGreaterThanOrEqual(s.created_at);
    }
    const text = JSON.stringify(list);
    expect(text).not.toContain(secretOf(laptop));
    expect(text).not.toContain(String((await sessionRow(secretOf(laptop)))!.secret_hash));
  });

  it("ends one session by its public id; another user's id is answered exactly like an unknown one", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    const laptop = await logInFrom(email, FIREFOX);
    const phone = await logInFrom(email, IPHONE);
    const laptopId = (await sessionsOf(phone)).find((s) => !s.current)!.id;

    const stranger = await loggedIn();
    const strangers = await call("DELETE", `/profile/sessions/${laptopId}`, { cookie: stranger.cookie });
    const unknown = await call("DELETE", `/profile/sessions/${"0".repeat(32)}`, { cookie: stranger.cookie });
    expect([strangers.status, await strangers.text()]).toEqual([unknown.status, await unknown.text()]);
    expect(strangers.status).toBe(404);
    expect((await call("GET", "/profile", { cookie: laptop })).status).toBe(200);

    const ended = await call("DELETE", `/profile/sessions/${laptopId}`, { cookie: phone });
    expect([ended.status, await ended.json()]).toEqual([200, { message: "session ended" }]);
    expect((await call("GET", "/profile", { cookie: laptop })).status).toBe(403);
    expect((await call("GET", "/profile", { cookie: phone })).status).toBe(200);
    expect((await call("GET", "/profile/sessions")).status).toBe(403);
  });

  it("logs out everywhere else, or everywhere", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    const [a, b, c] = [await logInFrom(email, FIREFOX), await logInFrom(email, IPHONE), await logInFrom(email, FIREFOX)];
    const others = await call("POST", "/profile/sessions/end-others", { cookie: a });
    expect(await others.json()).toEqual({ message: "other sessions ended", ended: 2 });
    expect((await Promise.all([a, b, c].map((cookie) => call("GET", "/profile", { cookie })))).map((r) => r.status)).toEqual([
      200, 403, 403,
    ]);

    const d = await logInFrom(email, IPHONE);
    const all = await call("POST", "/profile/sessions/end-all", { cookie: a });
    expect(await all.json()).toEqual({ message: "all sessions ended", ended: 2 });
    expect(all.headers.get("set-cookie")).toMatch(/^session_id=; Max-Age=0/);
    expect((await Promise.all([a, d].map((cookie) => call("GET", "/profile", { cookie })))).map((r) => r.status)).toEqual([403, 403]);
  });
});

describe("change the password", () => {
  it("needs the current password; a wrong one counts in the login backoff", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail(), "old");
    const wrong = await call("PUT", "/profile/password", { cookie, form: { current_password: "nope", new_password: "new-pw" } });
    expect([wrong.status, await wrong.json()]).toEqual([401, { message: "invalid password" }]);
    const row = await env.DB.prepare("SELECT failed_login_count AS n FROM users WHERE email = ?").bind(email).first<{ n: number }>();
    expect(row!.n).toBe(1);
    expect((await call("PUT", "/profile/password", { form: { current_password: "old", new_password: "x" } })).status).toBe(403);
  });

  it("ends every other session and renews this one's secret (a new cookie); the new password works, the old one not", async () => {
    const email = uniqueEmail();
    await register(email, "old");
    const { cookie: elsewhere } = await loggedIn(email, "old");
    const { cookie } = await loggedIn(email, "old");
    const changed = await call("PUT", "/profile/password", { cookie, json: { current_password: "old", new_password: "new-pw" } });
    expect([changed.status, await changed.json()]).toEqual([200, { email, message: "password changed" }]);
    const renewed = `session_id=${sessionCookieOf(changed)}`;
    expect(renewed).not.toBe(cookie);
    const status = async (c: string) => (await call("GET", "/profile", { cookie: c })).status;
    expect([await status(renewed), await status(cookie), await status(elsewhere)]).toEqual([200, 403, 403]);
    expect((await call("POST", "/sessions", { form: { email, password: "old" } })).status).toBe(401);
    expect((await call("POST", "/sessions", { form: { email, password: "new-pw" } })).status).toBe(200);
  });

  it("applies PASSWORD_MIN_LENGTH to the new password", async () => {
    const { cookie } = await loggedIn(uniqueEmail(), "old");
    const short = await call("PUT", "/profile/password", {
      cookie,
      form: { current_password: "old", new_password: "short" },
      vars: { PASSWORD_MIN_LENGTH: "8" },
    });
    expect([short.status, await short.json()]).toEqual([400, { message: "new_password must be at least 8 characters" }]);
  });
});

it("a password change spends a reset token asked for before it", async () => {
  const { email, cookie } = await loggedIn(uniqueEmail(), "pw1");
  const asked = await call("POST", "/reset_password", { form: { email } });
  const { reset_token } = (await asked.json()) as { reset_token: string };
  expect((await call("PUT", "/profile/password", { cookie, form: { current_password: "pw1", new_password: "pw2" } })).status).toBe(200);
  expect((await call("PUT", "/reset_password", { form: { email, reset_token, new_password: "taken-over" } })).status).toBe(403);
});

it("an id of any other shape is an unknown session (404), never a validation message", async () => {
  const { cookie } = await loggedIn();
  for (const id of ["a".repeat(65), "not-hex", "%00"]) {
    const response = await call("DELETE", `/profile/sessions/${id}`, { cookie });
    expect([response.status, await response.json()], id).toEqual([404, { message: "no such session" }]);
  }
});

describe("delete the account", () => {
  it("needs the password; deletes the user, its sessions and reset token in one step; the email can register again", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    const { cookie: other } = await loggedIn(email, "pw");
    const { cookie } = await loggedIn(email, "pw");
    await call("POST", "/reset_password", { form: { email } });
    const wrong = await call("POST", "/profile/delete", { cookie, form: { password: "nope" } });
    expect(wrong.status).toBe(401);

    const deleted = await call("POST", "/profile/delete", { cookie, form: { password: "pw" } });
    expect([deleted.status, await deleted.json()]).toEqual([200, { email, message: "account deleted" }]);
    expect(deleted.headers.get("set-cookie")).toMatch(/^session_id=; Max-Age=0/);
    const count = async (sql: string) => (await env.DB.prepare(sql).bind(email).first<{ n: number }>())!.n;
    expect(await count("SELECT count(*) AS n FROM users WHERE email = ?")).toBe(0);
    expect(await sessionRow(secretOf(other))).toBeNull();
    expect(await sessionRow(secretOf(cookie))).toBeNull();
    expect((await call("GET", "/profile", { cookie: other })).status).toBe(403);
    expect((await register(email, "again")).status).toBe(200);
  });
});

it("a successful PUT /reset_password ends every session of the user", async () => {
  const email = uniqueEmail();
  await register(email, "pw");
  const sessions = [await loggedIn(email, "pw"), await loggedIn(email, "pw")];
  const asked = await call("POST", "/reset_password", { form: { email } });
  const { reset_token } = (await asked.json()) as { reset_token: string };
  expect((await call("PUT", "/reset_password", { form: { email, reset_token, new_password: "n" } })).status).toBe(200);
  for (const { cookie } of sessions) expect((await call("GET", "/profile", { cookie })).status).toBe(403);
});

describe("the daily clean-up (Cron Trigger)", () => {
  it("deletes ended sessions and expired reset tokens, keeps live ones", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    const { cookie: live } = await loggedIn(email, "pw");
    const { cookie: idle } = await loggedIn(email, "pw");
    const { cookie: old } = await loggedIn(email, "pw");
    await env.DB.prepare("UPDATE sessions SET idle_expires_at = 5 WHERE secret_hash = ?")
      .bind(String((await sessionRow(secretOf(idle)))!.secret_hash))
      .run();
    await env.DB.prepare("UPDATE sessions SET expires_at = 5 WHERE secret_hash = ?")
      .bind(String((await sessionRow(secretOf(old)))!.secret_hash))
      .run();
    await call("POST", "/reset_password", { form: { email } });
    await env.DB.prepare("UPDATE users SET reset_token_expires_at = 5 WHERE email = ?").bind(email).run();

    const controller = createScheduledController({ scheduledTime: Date.now(), cron: "17 3 * * *" });
    await worker.scheduled(controller, env);

    expect(await sessionRow(secretOf(idle))).toBeNull();
    expect(await sessionRow(secretOf(old))).toBeNull();
    expect(await sessionRow(secretOf(live))).not.toBeNull();
    expect(await env.DB.prepare("SELECT reset_token FROM users WHERE email = ?").bind(email).first()).toEqual({ reset_token: null });
  });
});

describe("device labels", () => {
  it.each([
    [FIREFOX, "Firefox on Linux"],
    [IPHONE, "Safari on iPhone"],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0",
      "Edge on Windows",
    ],
    ["Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36", "Chrome on Android"],
    ["curl/8.5.0", "curl"],
    ["python-requests/2.32", "python-requests"],
    ["", null],
    [`${"x".repeat(500)}`, "x".repeat(60)],
  ])("%s -> %s", (ua, label) => {
    expect(deviceLabel(ua)).toBe(label);
  });
});
