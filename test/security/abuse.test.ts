import { describe, expect, it } from "vitest";
import { LoginThrottled } from "../../src/auth/errors";
import { runContractFlow } from "../contract-flow";
import { env } from "cloudflare:workers";
import { call, makeAuth, makeDb, randomIp, register, uniqueEmail } from "../helpers";

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
});
