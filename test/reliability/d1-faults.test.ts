import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TemporarilyUnavailable } from "../../src/db/errors";
import { D1_TRANSIENT_MESSAGES, type D1TransientMessage, type Fault, type FaultPlan, faultyD1 } from "../../src/db/faults";
import { D1Timeout, type RetryPolicy, transientFailure, withRetries } from "../../src/db/resilience";
import { call, loggedIn, register, secretOf, sessionCookieOf, sessionRow, uniqueEmail } from "../helpers";

/**
 * What the service does when D1 fails the way Cloudflare documents (src/db/resilience.ts):
 * transient failures are retried where that is safe, answered 503 with Retry-After where it is
 * not, never 500; a write whose answer was lost is looked for before anything is repeated.
 */

let warnings: Record<string, unknown>[];
beforeEach(() => {
  warnings = [];
  vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(JSON.parse(String(line))));
});
afterEach(() => vi.restoreAllMocks());

const isWrite = (sql: string) => /^(insert|update|delete)|^batch$/i.test(sql);
const NOT_RUN: D1TransientMessage[] = ["overloaded", "unresolved", "startupReset", "busy"];
const MAYBE_RUN: D1TransientMessage[] = ["connectionLost", "storageReset", "codeUpdated", "timeoutReset", "memoryReset"];

/** Fails the calls whose numbers (0-based, reads and writes alike) are listed. */
const failCalls =
  (fault: Fault, ...numbers: number[]): FaultPlan =>
  (n) =>
    numbers.includes(n) ? fault : undefined;
/** Fails the listed writes (0-based count of writes and batches only). */
function failWrites(fault: Fault, ...numbers: number[]): FaultPlan {
  let writes = 0;
  return (_, sql) => (isWrite(sql) && numbers.includes(writes++) ? fault : undefined);
}
const always =
  (fault: Fault): FaultPlan =>
  () =>
    fault;
const withFaults = (plan: FaultPlan) => ({ DB: faultyD1(env.DB, plan) });

async function userRow(email: string) {
  return env.DB.prepare("SELECT * FROM users WHERE email = ?").bind(email).first<Record<string, unknown>>();
}

describe("D1's transient errors, by their documented messages", () => {
  it("each is recognised, as not-run or maybe-run, also when Drizzle wraps it as the cause", () => {
    for (const name of NOT_RUN) expect(transientFailure(new Error(D1_TRANSIENT_MESSAGES[name]))?.kind, name).toBe("not-run");
    for (const name of MAYBE_RUN) expect(transientFailure(new Error(D1_TRANSIENT_MESSAGES[name]))?.kind, name).toBe("maybe-run");
    const wrapped = Object.assign(new Error("Failed query: insert ... params: a@b.example"), {
      cause: new Error(D1_TRANSIENT_MESSAGES.connectionLost),
    });
    expect(transientFailure(wrapped)).toEqual({ name: "D1ConnectionLost", kind: "maybe-run" });
    expect(transientFailure(new D1Timeout(100))).toEqual({ name: "D1Timeout", kind: "maybe-run" });
    // What local D1 answers a read while another connection holds SQLite's write lock.
    expect(
      transientFailure(new Error("D1_ERROR: Failed to parse body as JSON, got: Error: internal error; reference = abc123"))?.kind,
    ).toBe("maybe-run");
  });

  it("the values Drizzle quotes in its wrapper are never read as D1's words", () => {
    const unique = Object.assign(new Error('Failed query: insert into "users" ... params: sqlite_busy-x@example.com,$2b$04$...'), {
      query: 'insert into "users" ("email") values (?)',
      params: ["sqlite_busy-x@example.com"],
      cause: new Error("D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT"),
    });
    expect(transientFailure(unique)).toBeUndefined();
  });

  it("anything else is not transient: a constraint, a syntax error, a bug", () => {
    for (const message of [
      "D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT",
      "D1_ERROR: no such table: users",
      "boom",
    ]) {
      expect(transientFailure(new Error(message)), message).toBeUndefined();
    }
    expect(transientFailure("not an error")).toBeUndefined();
  });
});

describe("withRetries", () => {
  const options = { requestId: "req-1", timeoutMs: 200, sleep: async () => {} };
  const failing = (errors: Error[], result = "ok") => {
    let calls = 0;
    const attempt = async () => {
      const error = errors[calls++];
      if (error) throw error;
      return result;
    };
    return { attempt, calls: () => calls };
  };
  const notRun = () => new Error(D1_TRANSIENT_MESSAGES.overloaded);
  const maybeRun = () => new Error(D1_TRANSIENT_MESSAGES.connectionLost);

  it("retries a read on any transient failure, at most 3 attempts in all", async () => {
    const twice = failing([maybeRun(), notRun()]);
    await expect(withRetries("findSession", "read", twice.attempt, options)).resolves.toBe("ok");
    expect(twice.calls()).toBe(3);
    const thrice = failing([notRun(), notRun(), notRun(), notRun()]);
    await expect(withRetries("findSession", "read", thrice.attempt, options)).rejects.toThrow(TemporarilyUnavailable);
    expect(thrice.calls()).toBe(3);
    expect(warnings.slice(-3).map((w) => [w.attempt, w.outcome])).toEqual([
      [1, "retry"],
      [2, "retry"],
      [3, "unavailable: retries spent"],
    ]);
  });

  it('"once": retried when D1 says it did not run, never after a failure that may have run', async () => {
    const refused = failing([notRun()]);
    await expect(withRetries("claimLoginAttempt", "once", refused.attempt, options)).resolves.toBe("ok");
    expect(refused.calls()).toBe(2);
    const lost = failing([maybeRun()]);
    await expect(withRetries("claimLoginAttempt", "once", lost.attempt, options)).rejects.toThrow(TemporarilyUnavailable);
    expect(lost.calls()).toBe(1);
  });

  it("detect: a landed attempt's result is returned; an absent one is retried; an unknown one is 503", async () => {
    const policy = (found: "landed" | "absent" | "unknown"): RetryPolicy<string> => ({
      landed: async () => (found === "landed" ? { result: "found" } : found),
    });
    const landed = failing([maybeRun()]);
    await expect(withRetries("changePassword", policy("landed"), landed.attempt, options)).resolves.toBe("found");
    expect(landed.calls()).toBe(1);
    const absent = failing([maybeRun()]);
    await expect(withRetries("changePassword", policy("absent"), absent.attempt, options)).resolves.toBe("ok");
    expect(absent.calls()).toBe(2);
    const unknown = failing([maybeRun()]);
    await expect(withRetries("changePassword", policy("unknown"), unknown.attempt, options)).rejects.toThrow(TemporarilyUnavailable);
    // Not-run failures need no look.
    const refused = failing([notRun()]);
    await expect(withRetries("changePassword", policy("unknown"), refused.attempt, options)).resolves.toBe("ok");
  });

  it("detect: a retry whose guard finds the lost call landed meanwhile looks again, and finds it", async () => {
    // The lost call lands after the first look but before the retry (D1 runs them in order).
    let looks = 0;
    const policy: RetryPolicy<boolean> = { landed: async () => (++looks === 1 ? "absent" : { result: true }), applied: Boolean };
    let calls = 0;
    const attempt = async () => {
      if (calls++ === 0) throw maybeRun();
      return false; // the guard (the old hash) no longer holds: the lost call changed it
    };
    await expect(withRetries("changePassword", policy, attempt, options)).resolves.toBe(true);
    expect(looks).toBe(2);
    // The same when the unique index refuses the retry: the row it refuses is the lost call's own.
    looks = 0;
    calls = 0;
    const unique = new Error("D1_ERROR: UNIQUE constraint failed: users.email");
    const insert = async () => {
      if (calls++ === 0) throw maybeRun();
      throw unique;
    };
    await expect(withRetries("addUser", { landed: policy.landed }, insert, options)).resolves.toBe(true);
    // Without an earlier lost call, a refusal is just a refusal: no look.
    looks = 0;
    await expect(withRetries("addUser", { landed: policy.landed }, async () => Promise.reject(unique), options)).rejects.toBe(unique);
    expect(looks).toBe(0);
  });

  it("detect: when the second look cannot tell either, the answer is 503, not the retry's 'nothing there'", async () => {
    // A reset from a mailed link: the retry finds the token spent (by the lost call, or by no one).
    let looks = 0;
    const policy: RetryPolicy<string | null> = { landed: async () => (++looks === 1 ? "absent" : "unknown"), applied: Boolean };
    let calls = 0;
    const attempt = async () => {
      if (calls++ === 0) throw maybeRun();
      return null;
    };
    await expect(withRetries("spendResetToken", policy, attempt, options)).rejects.toThrow(TemporarilyUnavailable);
    expect(looks).toBe(2);
  });

  it("detect: when the look itself fails, the attempt that may have run still gets its warn line", async () => {
    const lost = failing([maybeRun()]);
    const policy: RetryPolicy<string> = { landed: async () => Promise.reject(new Error(D1_TRANSIENT_MESSAGES.storageReset)) };
    const before = warnings.length;
    await expect(withRetries("changePassword", policy, lost.attempt, options)).rejects.toThrow(TemporarilyUnavailable);
    expect(warnings.slice(before).map((w) => [w.method, w.attempt, w.d1, w.outcome])).toEqual([
      ["changePassword.landed", 1, "D1Reset", "retry"],
      ["changePassword.landed", 2, "D1Reset", "unavailable: retries spent"],
      ["changePassword", 1, "D1ConnectionLost", "unavailable: may have run, cannot tell"],
    ]);
  });

  it("errors that are not transient pass through untouched, without a retry", async () => {
    const unique = new Error("D1_ERROR: UNIQUE constraint failed: users.email");
    const broken = failing([unique]);
    await expect(withRetries("addUser", "read", broken.attempt, options)).rejects.toBe(unique);
    expect(broken.calls()).toBe(1);
  });

  it("a call that hangs counts as failed after the timeout; no retry starts past the time budget", async () => {
    const started = Date.now();
    await expect(withRetries("findSession", "read", () => new Promise<never>(() => {}), { ...options, timeoutMs: 60 })).rejects.toThrow(
      TemporarilyUnavailable,
    );
    // Three hung attempts of 60 ms at most, real backoff waits included, within the budget.
    expect(Date.now() - started).toBeLessThan(600);
    // The budget starts at the first failure and is the request's: a retry that runs into it is cut
    // off there, and no third starts.
    let calls = 0;
    const slow = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 150));
      throw notRun();
    };
    const trouble = {};
    const before = Date.now();
    await expect(withRetries("findSession", "read", slow, { requestId: "r", timeoutMs: 1000, budgetMs: 100, trouble })).rejects.toThrow(
      TemporarilyUnavailable,
    );
    expect(calls).toBe(2);
    expect(Date.now() - before).toBeLessThan(150 + 100 + 50);
    // A later method of the same request, once the budget is spent, is not even tried.
    const later = failing([]);
    await expect(withRetries("listSessions", "read", later.attempt, { ...options, budgetMs: 100, trouble })).rejects.toThrow(
      TemporarilyUnavailable,
    );
    expect(later.calls()).toBe(0);
  });
});

describe("routes under D1 failures", () => {
  it("POST /users rides out each documented transient error on its insert", async () => {
    for (const message of [...NOT_RUN, ...MAYBE_RUN]) {
      for (const timing of ["before", "after"] as const) {
        if (timing === "after" && NOT_RUN.includes(message)) continue; // D1 never says "overloaded" about a call it ran
        const email = uniqueEmail("blip");
        const response = await call("POST", "/users", {
          form: { email, password: "pw" },
          bindings: withFaults(failCalls({ timing, message }, 0)),
        });
        expect(response.status, `${timing} ${message}`).toBe(200);
        expect(await userRow(email)).not.toBeNull();
      }
    }
  });

  it("a registration whose answer was lost is found, not repeated into 'already registered'", async () => {
    const email = uniqueEmail("lost");
    const response = await call("POST", "/users", {
      form: { email, password: "pw" },
      bindings: withFaults(failCalls({ timing: "after", message: "connectionLost" }, 0)),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ email, message: "user created" });
    expect(warnings.at(-1)).toMatchObject({ method: "addUser", outcome: "landed" });
    // Someone else's row with that address is not taken for ours.
    const taken = uniqueEmail("taken");
    await register(taken);
    let first = true;
    const stolen = await call("POST", "/users", {
      form: { email: taken, password: "pw" },
      bindings: withFaults((_, sql) =>
        isWrite(sql) && first ? ((first = false), { timing: "before", message: "connectionLost" }) : undefined,
      ),
    });
    expect(stolen.status).toBe(400);
  });

  it("D1 down for longer than the retries: 503 JSON with Retry-After, quickly, and nothing changed", async () => {
    const email = uniqueEmail("down");
    const started = Date.now();
    const response = await call("POST", "/users", {
      form: { email, password: "pw" },
      bindings: withFaults(always({ timing: "before", message: "overloaded" })),
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ message: "temporarily unavailable, try again" });
    expect(await userRow(email)).toBeNull();
  });

  it("a registration whose insert and every look hang: 503 within one timeout plus the budget", async () => {
    const started = Date.now();
    const response = await call("POST", "/users", {
      form: { email: uniqueEmail("hung"), password: "pw" },
      vars: { D1_TIMEOUT_MS: "200" },
      bindings: withFaults(always({ timing: "hang" })),
    });
    expect(response.status).toBe(503);
    // 200 ms for the insert, then at most 400 ms for every look and retry together.
    expect(Date.now() - started).toBeLessThan(200 + 400 + 250);
  });

  it("an address that quotes D1's words ('sqlite_busy') is still just taken: 400, not 503", async () => {
    const email = `sqlite_busy-${crypto.randomUUID().slice(0, 8)}@example.com`;
    expect((await register(email)).status).toBe(200);
    const again = await register(email);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ message: "email already registered" });
  });

  it("a statement that hangs past D1_TIMEOUT_MS: 503, not a hung request", async () => {
    const { cookie } = await loggedIn();
    const started = Date.now();
    const response = await call("GET", "/profile", {
      cookie,
      vars: { D1_TIMEOUT_MS: "100" },
      bindings: withFaults(always({ timing: "hang" })),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("a statement that answers after the timeout, then runs: the write is looked for, never applied twice", async () => {
    const email = uniqueEmail("late");
    await register(email, "old");
    const reset = (await (await call("POST", "/reset_password", { form: { email } })).json()) as { reset_token: string };
    const response = await call("PUT", "/reset_password", {
      form: { email, reset_token: reset.reset_token, new_password: "new" },
      vars: { D1_TIMEOUT_MS: "50" },
      bindings: withFaults(failWrites({ timing: "late", delayMs: 120 }, 0)),
    });
    // The look found nothing yet; the retry spent the token; the late call then found it spent.
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await call("POST", "/sessions", { form: { email, password: "new" } })).status).toBe(200);
    expect((await call("POST", "/sessions", { form: { email, password: "old" } })).status).toBe(401);
  });

  it("a login whose session batch was lost: the session is found and works; a lost claim is 503 without a cookie", async () => {
    const email = uniqueEmail("login");
    await register(email, "pw");
    const found = await call("POST", "/sessions", {
      form: { email, password: "pw" },
      bindings: withFaults(failWrites({ timing: "after", message: "storageReset" }, 1)),
    });
    expect(found.status).toBe(200);
    expect((await call("GET", "/profile", { cookie: `session_id=${sessionCookieOf(found)}` })).status).toBe(200);
    const claimLost = await call("POST", "/sessions", {
      form: { email, password: "pw" },
      bindings: withFaults(failWrites({ timing: "after", message: "codeUpdated" }, 0)),
    });
    expect(claimLost.status).toBe(503);
    expect(claimLost.headers.get("set-cookie")).toBeNull();
  });

  it("a session batch that failed before running: retried, one session, no half of it", async () => {
    const email = uniqueEmail("batch");
    await register(email, "pw");
    const response = await call("POST", "/sessions", {
      form: { email, password: "pw" },
      bindings: withFaults(failWrites({ timing: "before", message: "busy" }, 1)),
    });
    expect(response.status).toBe(200);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(email)
      .first<{ n: number }>();
    expect(count!.n).toBe(1);
  });

  it("a session that 503'd at creation does not exist", async () => {
    const email = uniqueEmail("nosession");
    await register(email, "pw");
    const response = await call("POST", "/sessions", {
      form: { email, password: "pw" },
      bindings: withFaults(failWrites({ timing: "before", message: "overloaded" }, 1, 2, 3)),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("set-cookie")).toBeNull();
    const count = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(email)
      .first<{ n: number }>();
    expect(count!.n).toBe(0);
  });

  it("a password change whose answer was lost: found, 200 with the renewed cookie, the new password works", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail("change"), "old");
    const response = await call("PUT", "/profile/password", {
      cookie,
      form: { current_password: "old", new_password: "new" },
      bindings: withFaults(failWrites({ timing: "after", message: "connectionLost" }, 1)),
    });
    expect(response.status).toBe(200);
    const renewed = sessionCookieOf(response)!;
    expect(await sessionRow(renewed)).not.toBeNull();
    expect(await sessionRow(secretOf(cookie))).toBeNull();
    expect((await call("POST", "/sessions", { form: { email, password: "new" } })).status).toBe(200);
  });

  it("logging out when the answer was lost: 503 (a repeat could not tell), and the session is gone", async () => {
    const { cookie } = await loggedIn();
    const response = await call("DELETE", "/sessions", {
      cookie,
      bindings: withFaults(failWrites({ timing: "after", message: "connectionLost" }, 0)),
    });
    expect(response.status).toBe(503);
    expect(await sessionRow(secretOf(cookie))).toBeNull();
    // The client's retry: not logged in any more, which is what it asked for.
    expect((await call("DELETE", "/sessions", { cookie })).status).toBe(403);
  });

  it("the pages: a short HTML page (or the form again) saying to try again, with Retry-After", async () => {
    const email = uniqueEmail("page");
    const response = await call("POST", "/account/register", {
      form: { email, password: "pw-page-1" },
      bindings: withFaults(always({ timing: "before", message: "overloaded" })),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("try again in a moment");
    expect(html).toContain(email); // the form again, filled in
    const { cookie } = await loggedIn();
    const profile = await call("GET", "/account/profile", {
      cookie,
      bindings: withFaults(always({ timing: "before", message: "unresolved" })),
    });
    expect(profile.status).toBe(503);
    expect(await profile.text()).toContain("try again in a moment");
  });

  it("D1_FAULTS outside a fault-test build: every request is refused (503), nothing is injected", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const response = await call("GET", "/profile", { vars: { D1_FAULTS: "0.05" } });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: "service unavailable" });
    // One line naming the setting, as for any refused setting.
    expect(errors.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ error: "ConfigError", variable: "D1_FAULTS" })]);
  });
});
