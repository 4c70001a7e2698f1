import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { sequencedD1 } from "../d1-faults";
import { call, loggedIn, makeAuth, register, sessionCookieOf, uniqueEmail } from "../helpers";

it("concurrent registrations of one email: exactly one succeeds, one row exists", async () => {
  const email = uniqueEmail();
  const statuses = (await Promise.all(Array.from({ length: 12 }, (_, i) => register(email, `pw${i}`)))).map((r) => r.status);
  expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  expect(statuses.filter((s) => s === 400)).toHaveLength(11);
  const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first<{ n: number }>())!;
  expect(n).toBe(1);
});

it("concurrent PUT /reset_password with one token: exactly one succeeds, and its password is the one set", async () => {
  const email = uniqueEmail();
  await register(email, "old");
  const reset = await call("POST", "/reset_password", { form: { email } });
  const { reset_token } = (await reset.json()) as { reset_token: string };

  const attempts = Array.from({ length: 10 }, (_, i) => `new-${i}`);
  const responses = await Promise.all(
    attempts.map((new_password) => call("PUT", "/reset_password", { form: { email, reset_token, new_password } })),
  );
  const winners = attempts.filter((_, i) => responses[i]!.status === 200);
  expect(winners).toHaveLength(1);
  expect(responses.filter((r) => r.status === 403)).toHaveLength(9);

  // Only the winner's password opens the account. (One wrong try at a time: 401s are
  // spaced by the backoff, which starts after the second failure.)
  expect((await call("POST", "/sessions", { form: { email, password: "old" } })).status).toBe(401);
  expect((await call("POST", "/sessions", { form: { email, password: winners[0]! } })).status).toBe(200);
  const loser = attempts.find((a) => a !== winners[0])!;
  expect((await call("POST", "/sessions", { form: { email, password: loser } })).status).toBe(401);
});

it("concurrent logins of one user: each gets a usable session, up to the cap", async () => {
  const email = uniqueEmail();
  await register(email, "pw");
  const logins = await Promise.all(Array.from({ length: 10 }, () => call("POST", "/sessions", { form: { email, password: "pw" } })));
  expect(logins.map((r) => r.status)).toEqual(Array(10).fill(200));
  const cookies = logins.map((r) => `session_id=${sessionCookieOf(r)}`);
  expect(new Set(cookies).size).toBe(10);
  const profiles = await Promise.all(cookies.map((cookie) => call("GET", "/profile", { cookie })));
  expect(profiles.map((r) => r.status)).toEqual(Array(10).fill(200));

  // With a cap of 3, ten concurrent logins leave exactly three usable sessions.
  const capped = uniqueEmail();
  const vars = { MAX_SESSIONS_PER_USER: "3" };
  await call("POST", "/users", { form: { email: capped, password: "pw" }, vars });
  const more = await Promise.all(
    Array.from({ length: 10 }, () => call("POST", "/sessions", { form: { email: capped, password: "pw" }, vars })),
  );
  expect(more.map((r) => r.status)).toEqual(Array(10).fill(200));
  const alive = await Promise.all(more.map((r) => call("GET", "/profile", { cookie: `session_id=${sessionCookieOf(r)}`, vars })));
  expect(alive.filter((r) => r.status === 200)).toHaveLength(3);
});

it("ending all sessions while logins run leaves no session alive that was created before the end", async () => {
  const email = uniqueEmail();
  await register(email, "pw");
  const { cookie } = await loggedIn(email, "pw");
  const log: string[] = [];
  const logins = Array.from({ length: 8 }, (_, i) =>
    call("POST", "/sessions", { form: { email, password: "pw" }, bindings: { DB: sequencedD1(env.DB, `login-${i}`, log) } }),
  );
  const end = call("POST", "/profile/sessions/end-all", { cookie, bindings: { DB: sequencedD1(env.DB, "end", log) } });
  const [ended, ...answers] = await Promise.all([end, ...logins]);
  expect(ended.status).toBe(200);
  const endAt = log.findIndex((line) => /^end: (batch )?delete from/.test(line));
  expect(endAt).toBeGreaterThanOrEqual(0);
  let before = 0;
  for (const [i, answer] of answers.entries()) {
    expect(answer.status).toBe(200);
    const createdAt = log.findIndex((line) => line.startsWith(`login-${i}: batch insert into`));
    expect(createdAt).toBeGreaterThanOrEqual(0);
    const profile = await call("GET", "/profile", { cookie: `session_id=${sessionCookieOf(answer)}` });
    // Created before the end: ended with it. Created after: a new login, alive.
    expect(profile.status, `login ${i}`).toBe(createdAt < endAt ? 403 : 200);
    if (createdAt < endAt) before += 1;
  }
  expect((await call("GET", "/profile", { cookie })).status).toBe(403);
  // (How many logins fell before the end depends on timing; both kinds usually occur.)
  expect(before).toBeLessThanOrEqual(8);
});

it("changing the password while a reset runs leaves exactly one of the two passwords working", async () => {
  const auth = makeAuth();
  for (let round = 0; round < 6; round++) {
    const email = uniqueEmail();
    await register(email, "old");
    const { cookie } = await loggedIn(email, "old");
    const asked = await call("POST", "/reset_password", { form: { email } });
    const { reset_token } = (await asked.json()) as { reset_token: string };
    const [changed, reset] = await Promise.all([
      call("PUT", "/profile/password", { cookie, form: { current_password: "old", new_password: "by-change" } }),
      call("PUT", "/reset_password", { form: { email, reset_token, new_password: "by-reset" } }),
    ]);
    expect([200, 401]).toContain(changed.status);
    expect(reset.status).toBe(200);
    const working = [await auth.validLogin(email, "by-change"), await auth.validLogin(email, "by-reset")];
    expect(working.filter(Boolean), `round ${round}: change ${changed.status}`).toHaveLength(1);
    expect(await auth.validLogin(email, "old")).toBe(false);
  }
});
