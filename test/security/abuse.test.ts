import { describe, expect, it } from "vitest";
import { LoginThrottled } from "../../src/auth/errors";
import { runContractFlow } from "../contract-flow";
import { env } from "cloudflare:workers";
import { call, loggedIn, makeAuth, makeDb, randomIp, register, uniqueEmail } from "../helpers";
import { capturingEmail, MAIL_VARS } from "../mail";

/** The `device` cookie a login response sets, as a Cookie header value. */
function deviceCookieOf(response: Response): string {
  const value = /(?:^|,\s*)device=([^;]*)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
  if (!value) throw new Error("no device cookie");
  return `device=${value}`;
}

/** Puts the account deep into backoff for unknown clients, as a stream of guesses would. */
async function blockAccount(email: string, failures: number, blockedUntil: string) {
  await env.DB.prepare(`UPDATE users SET failed_login_count = ?, login_blocked_until = ${blockedUntil} WHERE email = ?`)
    .bind(failures, email)
    .run();
}

describe("per-IP rate limits", () => {
  it.each([
    ["POST", "/sessions", 60],
    ["POST", "/users", 30],
    ["POST", "/reset_password", 30],
    ["PUT", "/reset_password", 30],
  ])("%s %s allows %i requests a minute per IP, then answers 429 with Retry-After", async (method, path, limit) => {
    const ip = randomIp();
    const headers = { "cf-connecting-ip": ip };
    for (let i = 0; i < limit; i++) {
      // Empty bodies: the limit applies before validation, so even bad requests count.
      expect((await call(method, path, { headers })).status).toBe(400);
    }
    const limited = await call(method, path, { headers });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await limited.json()).toStrictEqual({ message: "too many requests: try again later" });
    // Another client is not affected.
    expect((await call(method, path)).status).toBe(400);
  });

  it("POST and PUT /reset_password are counted separately", async () => {
    const headers = { "cf-connecting-ip": randomIp() };
    for (let i = 0; i < 30; i++) await call("POST", "/reset_password", { headers });
    expect((await call("POST", "/reset_password", { headers })).status).toBe(429);
    expect((await call("PUT", "/reset_password", { headers })).status).toBe(400);
  });

  it("lets one client run the whole contract flow five times in a row", async () => {
    const headers = { "cf-connecting-ip": randomIp() };
    for (let run = 0; run < 5; run++) await runContractFlow(headers);
  });
});

describe("per-account login backoff", () => {
  it("waits 0, 1, 2, 4 ... seconds after each consecutive failure, capped at the maximum", async () => {
    const clock = { now: 1_900_000_000 };
    const auth = makeAuth({ now: () => clock.now });
    const email = uniqueEmail();
    const user = await auth.registerUser(email, "right");
    const waits: number[] = [];
    for (let i = 0; i < 13; i++) {
      await expect(auth.logIn(email, "wrong")).rejects.toThrow("bad credentials");
      const { loginBlockedUntil } = await makeDb().findUserBy({ id: user.id });
      const wait = loginBlockedUntil === null ? 0 : loginBlockedUntil - clock.now;
      waits.push(wait);
      clock.now += wait; // the next attempt comes exactly when allowed
    }
    expect(waits).toEqual([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
  });

  it("counts every one of many concurrent failures (one atomic statement each)", async () => {
    const email = uniqueEmail();
    await register(email, "right");
    const attempts = await Promise.all(Array.from({ length: 12 }, () => call("POST", "/sessions", { form: { email, password: "wrong" } })));
    const checked = attempts.filter((r) => r.status === 401).length;
    expect(checked + attempts.filter((r) => r.status === 429).length).toBe(12);
    const row = await env.DB.prepare("SELECT failed_login_count AS n, login_blocked_until AS until FROM users WHERE email = ?")
      .bind(email)
      .first<{ n: number; until: number | null }>();
    expect(row!.n).toBe(checked);
    expect(checked).toBeGreaterThan(1);
    expect(row!.until).not.toBeNull();
  });

  it("refuses even the right password while backing off, then lets it in and resets", async () => {
    const clock = { now: 1_900_000_000 };
    const auth = makeAuth({ now: () => clock.now });
    const email = uniqueEmail();
    await auth.registerUser(email, "right");

    await expect(auth.logIn(email, "wrong")).rejects.toThrow("bad credentials"); // 1st: no wait
    await expect(auth.logIn(email, "wrong")).rejects.toThrow("bad credentials"); // 2nd: 1 s
    const throttled = await auth.logIn(email, "right").catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(LoginThrottled);
    expect((throttled as LoginThrottled).retryAfterSeconds).toBe(1);

    clock.now += 1;
    await expect(auth.logIn(email, "wrong")).rejects.toThrow("bad credentials"); // 3rd: 2 s
    clock.now += 1;
    await expect(auth.logIn(email, "right")).rejects.toThrow(LoginThrottled);
    clock.now += 1;
    await auth.logIn(email, "right");

    // Success reset the count: one failure costs no wait again.
    await expect(auth.logIn(email, "wrong")).rejects.toThrow("bad credentials");
    await auth.logIn(email, "right");
  });

  it("is never a permanent lockout", async () => {
    const clock = { now: 1_900_000_000 };
    const auth = makeAuth({ now: () => clock.now });
    const email = uniqueEmail();
    await auth.registerUser(email, "right");
    for (let i = 0; i < 20; i++) {
      await expect(auth.logIn(email, "wrong")).rejects.toThrow("bad credentials");
      clock.now += 300;
    }
    await auth.logIn(email, "right");
  });

  it("over HTTP: 429 with Retry-After while backing off", async () => {
    const email = uniqueEmail();
    await register(email, "right");
    // Three counted failures put the account 2 s into backoff (attempts made while it is
    // already backing off are refused unchecked, so retry those after a pause).
    for (let failures = 0; failures < 3;) {
      const wrong = await call("POST", "/sessions", { form: { email, password: "wrong" } });
      if (wrong.status === 401) failures += 1;
      else {
        expect(wrong.status).toBe(429);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    const response = await call("POST", "/sessions", { form: { email, password: "right" } });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await response.json()).toStrictEqual({ message: "too many failed logins: try again later" });
  });

  describe("the right password ends the backoff even when the request then fails for another reason", () => {
    // Three failures, the last wait just over: a claim now would set a 4 s wait if left standing.
    const waitOver = (email: string) => blockAccount(email, 3, "CAST(strftime('%s','now') AS INTEGER) - 1");
    const backoffOf = async (email: string) => {
      const { failedLoginCount, loginBlockedUntil } = await makeDb().findUserBy({ email });
      return { failedLoginCount, loginBlockedUntil };
    };

    it("PUT /profile/email to an address that is taken (400)", async () => {
      const mail = capturingEmail();
      const options = { vars: MAIL_VARS, bindings: { EMAIL: mail.binding } };
      const email = uniqueEmail();
      const taken = uniqueEmail("taken");
      const { cookie } = await loggedIn(email, "right");
      await register(taken, "other");
      await waitOver(email);
      const refused = await call("PUT", "/profile/email", { ...options, cookie, form: { password: "right", new_email: taken } });
      expect([refused.status, await refused.json()]).toEqual([400, { message: "email already registered" }]);
      expect(await backoffOf(email)).toEqual({ failedLoginCount: 0, loginBlockedUntil: null });
      // The owner logs in from a new client at once (was: 429 for 4 s).
      const login = await call("POST", "/sessions", { headers: { "CF-Connecting-IP": randomIp() }, form: { email, password: "right" } });
      expect(login.status).toBe(200);
    });

    it("POST /sessions for an unverified address with REQUIRE_EMAIL_VERIFICATION (403)", async () => {
      const mail = capturingEmail();
      const options = { vars: { ...MAIL_VARS, REQUIRE_EMAIL_VERIFICATION: "true" }, bindings: { EMAIL: mail.binding } };
      const email = uniqueEmail();
      await call("POST", "/users", { ...options, form: { email, password: "right" } });
      await waitOver(email);
      for (let i = 0; i < 2; i++) {
        const refused = await call("POST", "/sessions", { ...options, form: { email, password: "right" } });
        expect(refused.status).toBe(403); // not verified, never 429
        expect(await backoffOf(email)).toEqual({ failedLoginCount: 0, loginBlockedUntil: null });
      }
    });
  });
});

describe("a burst of guesses when a backoff ends", () => {
  it("gets exactly one attempt checked; the rest get 429 with Retry-After (the claim is atomic)", async () => {
    const email = uniqueEmail();
    await register(email, "right");
    // Five failures so far, and the wait they set has just ended.
    await blockAccount(email, 5, "unixepoch() - 1");
    const guesses = Array.from({ length: 41 }, (_, i) => (i === 20 ? "right" : `wrong-${i}`));
    const answers = await Promise.all(guesses.map((password) => call("POST", "/sessions", { form: { email, password } })));
    const checked = answers.filter((r) => r.status !== 429);
    expect(checked).toHaveLength(1);
    for (const refused of answers.filter((r) => r.status === 429)) {
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
  });

  it("claims before bcrypt runs: a second attempt while the first is being checked is refused", async () => {
    const clock = { now: 1_900_000_000 };
    const auth = makeAuth({ now: () => clock.now });
    const email = uniqueEmail();
    await auth.registerUser(email, "right");
    await blockAccount(email, 3, String(clock.now));
    const [first, second] = await Promise.allSettled([auth.logIn(email, "wrong"), auth.logIn(email, "right")]);
    expect(first).toMatchObject({ status: "rejected", reason: { message: "bad credentials" } });
    expect(second).toMatchObject({ status: "rejected", reason: expect.any(LoginThrottled) });
  });
});

describe("remembered clients (device cookies) against lockout", () => {
  it("an attacker guessing from unknown clients stays as slow as before, and cannot keep the user's own browser out", async () => {
    const clock = { now: 1_900_000_000 };
    const auth = makeAuth({ now: () => clock.now });
    const email = uniqueEmail();
    await auth.registerUser(email, "right");
    const { deviceToken: usersBrowser } = await auth.logIn(email, "right");

    // The attacker guesses as fast as the backoff lets it, from fresh clients (no device cookie).
    const waits: number[] = [];
    for (let i = 0; i < 13; i++) {
      await expect(auth.logIn(email, `guess-${i}`)).rejects.toThrow("bad credentials");
      const { loginBlockedUntil } = await makeDb().findUserBy({ email });
      const wait = loginBlockedUntil === null ? 0 : loginBlockedUntil - clock.now;
      waits.push(wait);
      // Trying again before the wait ends is refused unchecked.
      if (wait > 0) await expect(auth.logIn(email, "another guess")).rejects.toThrow(LoginThrottled);
      clock.now += wait;
    }
    expect(waits).toEqual([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    // The attacker guesses again the moment it may, which sets a fresh 300 s wait: unknown clients are refused...
    await expect(auth.logIn(email, "one more guess")).rejects.toThrow("bad credentials");
    await expect(auth.logIn(email, "right")).rejects.toThrow(LoginThrottled);
    // ...a cookie the attacker got by logging in to an account of its own does not help it...
    const attackerEmail = uniqueEmail();
    await auth.registerUser(attackerEmail, "mine");
    const { deviceToken: attackersBrowser } = await auth.logIn(attackerEmail, "mine");
    await expect(auth.logIn(email, "guess", attackersBrowser)).rejects.toThrow(LoginThrottled);
    // ...and the user's own browser gets in with the right password all the same.
    const { sessionId, deviceToken } = await auth.logIn(email, "right", usersBrowser);
    // Each login rotates the device token: the one just used no longer counts.
    expect(deviceToken).not.toBe(usersBrowser);
    await expect(auth.logIn(email, "right", usersBrowser)).rejects.toThrow(LoginThrottled);
    expect(await auth.getUserFromSessionId(sessionId)).not.toBeNull();
    // The user's success does not lift the backoff the attacker is under.
    await expect(auth.logIn(email, "guess")).rejects.toThrow(LoginThrottled);
  });

  it("a remembered client has a backoff of its own, which failures elsewhere do not touch", async () => {
    const clock = { now: 1_900_000_000 };
    const auth = makeAuth({ now: () => clock.now });
    const email = uniqueEmail();
    await auth.registerUser(email, "right");
    const { deviceToken } = await auth.logIn(email, "right");
    await expect(auth.logIn(email, "typo", deviceToken)).rejects.toThrow("bad credentials"); // 1st: no wait
    await expect(auth.logIn(email, "typo", deviceToken)).rejects.toThrow("bad credentials"); // 2nd: 1 s
    await expect(auth.logIn(email, "right", deviceToken)).rejects.toThrow(LoginThrottled);
    // Unknown clients were not slowed by the device's failures.
    expect(await makeDb().findUserBy({ email })).toMatchObject({ failedLoginCount: 0, loginBlockedUntil: null });
    clock.now += 1;
    await auth.logIn(email, "right", deviceToken);
  });

  it("over HTTP: the login sets a device cookie; with it the user gets in while unknown clients get 429", async () => {
    const email = uniqueEmail();
    await register(email, "right");
    const first = await call("POST", "/sessions", { form: { email, password: "right" } });
    expect(first.status).toBe(200);
    const device = deviceCookieOf(first);
    expect(first.headers.get("set-cookie")).toMatch(/device=[0-9a-f-]{36}; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax/);

    await blockAccount(email, 20, "unixepoch() + 300");
    const stranger = await call("POST", "/sessions", { form: { email, password: "right" } });
    expect(stranger.status).toBe(429);
    // Retry-After is the account's own deadline (a device column of the same name must not mask it).
    expect(Number(stranger.headers.get("retry-after"))).toBeGreaterThanOrEqual(298);
    const user = await call("POST", "/sessions", { form: { email, password: "right" }, cookie: device });
    expect(user.status).toBe(200);
    const rotated = deviceCookieOf(user);
    expect(rotated).not.toBe(device);
    // The pages' login form uses the same device cookie.
    const page = await call("POST", "/account/login", { form: { email, password: "right" }, cookie: rotated });
    expect(page.status).toBe(303);
  });
});

describe("device cookies cannot be planted, kept after a reset, or kept forever", () => {
  async function blockedFor(email: string) {
    await blockAccount(email, 20, "unixepoch() + 300");
  }

  it("a token planted in the victim's browser is never trusted: the login gives a fresh one", async () => {
    const email = uniqueEmail();
    await register(email, "right");
    const planted = `device=${crypto.randomUUID()}`;
    const login = await call("POST", "/sessions", { form: { email, password: "right" }, cookie: planted });
    expect(deviceCookieOf(login)).not.toBe(planted);
    await blockedFor(email);
    // The attacker's copy of the planted token gets the account's backoff, like any stranger.
    expect((await call("POST", "/sessions", { form: { email, password: "guess" }, cookie: planted })).status).toBe(429);
    expect((await call("POST", "/sessions", { form: { email, password: "right" }, cookie: deviceCookieOf(login) })).status).toBe(200);
  });

  it("a password reset forgets every remembered client", async () => {
    const email = uniqueEmail();
    await register(email, "old");
    const device = deviceCookieOf(await call("POST", "/sessions", { form: { email, password: "old" } }));
    const asked = await call("POST", "/reset_password", { form: { email } });
    const { reset_token } = (await asked.json()) as { reset_token: string };
    expect((await call("PUT", "/reset_password", { form: { email, reset_token, new_password: "new" } })).status).toBe(200);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM login_devices d JOIN users u ON u.id = d.user_id WHERE u.email = ?")
      .bind(email)
      .first<{ n: number }>();
    expect(rows!.n).toBe(0);
    await blockedFor(email);
    expect((await call("POST", "/sessions", { form: { email, password: "new" }, cookie: device })).status).toBe(429);
  });

  it("a client not seen for a year is a stranger again", async () => {
    const clock = { now: 1_900_000_000 };
    const auth = makeAuth({ now: () => clock.now });
    const email = uniqueEmail();
    await auth.registerUser(email, "right");
    const { deviceToken } = await auth.logIn(email, "right");
    clock.now += 366 * 24 * 3600;
    await blockAccount(email, 20, String(clock.now + 300));
    await expect(auth.logIn(email, "right", deviceToken)).rejects.toThrow(LoginThrottled);
  });
});

describe("a burst before any failure", () => {
  it("gets at most 10 attempts a second checked; the rest are refused (429) with Retry-After", async () => {
    // A clock that stays in one second, so the cap is what decides.
    const clock = { now: 1_900_000_000 };
    const auth = makeAuth({ now: () => clock.now });
    const email = uniqueEmail();
    await auth.registerUser(email, "right");
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => auth.logIn(email, `g-${i}`)));
    const checked = results.filter((r) => r.status === "rejected" && !(r.reason instanceof LoginThrottled)).length;
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(checked).toBeLessThanOrEqual(10);
    for (const refused of results.filter((r) => r.status === "rejected" && r.reason instanceof LoginThrottled)) {
      expect((refused as PromiseRejectedResult).reason.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    // Over HTTP, where the real clock may tick once during the burst: 10 a second at most.
    const other = uniqueEmail();
    await register(other, "right");
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => call("POST", "/sessions", { form: { email: other, password: `g-${i}` } })),
    );
    expect(answers.filter((r) => r.status === 401).length).toBeLessThanOrEqual(20);
    expect(answers.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(20);
  });

  it("still lets 10 concurrent logins with the right password in", async () => {
    const email = uniqueEmail();
    await register(email, "right");
    const answers = await Promise.all(Array.from({ length: 10 }, () => call("POST", "/sessions", { form: { email, password: "right" } })));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
  });
});
