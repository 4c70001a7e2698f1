import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { call, register, sessionCookieOf, uniqueEmail } from "../helpers";

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

it("concurrent logins of one user: exactly one session stays valid and the profile works with it", async () => {
  const email = uniqueEmail();
  await register(email, "pw");
  const logins = await Promise.all(Array.from({ length: 10 }, () => call("POST", "/sessions", { form: { email, password: "pw" } })));
  expect(logins.map((r) => r.status)).toEqual(Array(10).fill(200));

  const cookies = logins.map((r) => `session_id=${sessionCookieOf(r)}`);
  expect(new Set(cookies).size).toBe(10);
  const profiles = await Promise.all(cookies.map((cookie) => call("GET", "/profile", { cookie })));
  const valid = profiles.filter((r) => r.status === 200);
  expect(valid).toHaveLength(1);
  expect(await valid[0]!.json()).toStrictEqual({ email });
  expect(profiles.filter((r) => r.status === 403)).toHaveLength(9);
});
