import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { Auth } from "../src/auth/auth";
import { readConfig } from "../src/config";
import { DB } from "../src/db/db";
import { describe, expect, it } from "vitest";
import { countingD1 } from "./d1-counter";
import { type CallOptions, call, loggedIn, register, uniqueEmail } from "./helpers";

/** Calls the app with a counting D1 and returns the response and the number of round trips. */
async function counted(method: string, path: string, options: CallOptions = {}) {
  const d1 = countingD1(env.DB);
  const response = await call(method, path, { ...options, bindings: { DB: d1.db } });
  return { status: response.status, roundTrips: d1.roundTrips, statements: d1.statements };
}

async function resetToken(email: string) {
  const response = await call("POST", "/reset_password", { form: { email } });
  return ((await response.json()) as { reset_token: string }).reset_token;
}

describe("D1 round trips per request", () => {
  it("GET / costs 0", async () => {
    expect(await counted("GET", "/")).toMatchObject({ status: 200, roundTrips: 0 });
  });

  it("POST /users costs 1, also for a duplicate (the unique index rejects it)", async () => {
    const email = uniqueEmail();
    expect(await counted("POST", "/users", { form: { email, password: "pw" } })).toMatchObject({ status: 200, roundTrips: 1 });
    expect(await counted("POST", "/users", { form: { email, password: "pw" } })).toMatchObject({ status: 400, roundTrips: 1 });
  });

  it("POST /sessions costs at most 2, on success and on every failure", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    expect(await counted("POST", "/sessions", { form: { email, password: "pw" } })).toMatchObject({ status: 200, roundTrips: 2 });
    expect(await counted("POST", "/sessions", { form: { email, password: "bad" } })).toMatchObject({ status: 401, roundTrips: 2 });
    // An unknown email costs what a wrong password costs: no timing difference to learn from.
    expect(await counted("POST", "/sessions", { form: { email: uniqueEmail(), password: "pw" } })).toMatchObject({
      status: 401,
      roundTrips: 2,
    });
    await env.DB.prepare("UPDATE users SET login_blocked_until = unixepoch() + 100 WHERE email = ?").bind(email).run();
    expect(await counted("POST", "/sessions", { form: { email, password: "pw" } })).toMatchObject({ status: 429, roundTrips: 1 });
  });

  it("GET /profile costs 1, 2 only on the hourly idle refresh or to clear an expired session", async () => {
    const { email, cookie } = await loggedIn();
    expect(await counted("GET", "/profile", { cookie })).toMatchObject({ status: 200, roundTrips: 1 });
    expect(await counted("GET", "/profile", { cookie: "session_id=unknown" })).toMatchObject({ status: 403, roundTrips: 1 });
    expect(await counted("GET", "/profile")).toMatchObject({ status: 403, roundTrips: 0 });

    await env.DB.prepare("UPDATE users SET session_idle_expires_at = session_idle_expires_at - 7200 WHERE email = ?").bind(email).run();
    expect(await counted("GET", "/profile", { cookie })).toMatchObject({ status: 200, roundTrips: 2 });
    expect(await counted("GET", "/profile", { cookie })).toMatchObject({ status: 200, roundTrips: 1 });

    await env.DB.prepare("UPDATE users SET session_expires_at = 1 WHERE email = ?").bind(email).run();
    expect(await counted("GET", "/profile", { cookie })).toMatchObject({ status: 403, roundTrips: 2 });
  });

  it("DELETE /sessions costs 1", async () => {
    const { cookie } = await loggedIn();
    expect(await counted("DELETE", "/sessions", { cookie })).toMatchObject({ status: 302, roundTrips: 1 });
    expect(await counted("DELETE", "/sessions", { cookie })).toMatchObject({ status: 403, roundTrips: 1 });
  });

  it("POST /reset_password costs 1", async () => {
    const email = uniqueEmail();
    await register(email);
    expect(await counted("POST", "/reset_password", { form: { email } })).toMatchObject({ status: 200, roundTrips: 1 });
    expect(await counted("POST", "/reset_password", { form: { email: uniqueEmail() } })).toMatchObject({ status: 403, roundTrips: 1 });
  });

  it("PUT /reset_password costs 1", async () => {
    const email = uniqueEmail();
    await register(email);
    const reset_token = await resetToken(email);
    const form = { email, reset_token, new_password: "new" };
    expect(await counted("PUT", "/reset_password", { form })).toMatchObject({ status: 200, roundTrips: 1 });
    expect(await counted("PUT", "/reset_password", { form })).toMatchObject({ status: 403, roundTrips: 1 });
  });

  it("validation failures cost nothing", async () => {
    expect(await counted("POST", "/users", { form: { email: "nope" } })).toMatchObject({ status: 400, roundTrips: 0 });
    expect(await counted("PUT", "/reset_password", { json: [] })).toMatchObject({ status: 400, roundTrips: 0 });
  });
});

describe("every statement the app sends uses an index", () => {
  it("EXPLAIN QUERY PLAN of each lookup shows an index search, never a scan of users or login_devices", async () => {
    const email = uniqueEmail();
    const trace = [
      await counted("POST", "/users", { form: { email, password: "pw" } }),
      await counted("POST", "/sessions", { form: { email, password: "bad" } }),
      await counted("POST", "/sessions", { form: { email, password: "pw" } }),
    ];
    const { cookie } = await loggedIn(email, "pw");
    trace.push(await counted("GET", "/profile", { cookie }), await counted("DELETE", "/sessions", { cookie }));
    const reset_token = await resetToken(email);
    trace.push(
      await counted("POST", "/reset_password", { form: { email } }),
      await counted("PUT", "/reset_password", { form: { email, reset_token, new_password: "n" } }),
    );

    const statements = trace.flatMap((t) => t.statements).filter((s) => !/^insert/i.test(s.sql));
    expect(statements.length).toBeGreaterThanOrEqual(8);
    const seenIndexes = new Set<string>();
    for (const { sql, params } of statements) {
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      const details = plan.results.map((row) => row.detail).join(" | ");
      expect(details, sql).not.toMatch(/\bSCAN (users|login_devices)\b/);
      expect(details, sql).toMatch(/SEARCH (users|login_devices) USING (INDEX|INTEGER PRIMARY KEY|PRIMARY KEY)/);
      for (const match of details.matchAll(/USING INDEX (\w+)/g)) seenIndexes.add(match[1]!);
    }
    // The HTTP route narrows a reset by email too (the unique index wins there), so the token's
    // own index is exercised through Auth, as a caller without the email would use it.
    const d1 = countingD1(env.DB);
    const auth = new Auth(new DB(drizzle(d1.db)), readConfig(env).auth);
    await auth.updatePassword(await resetToken(email), "again");
    for (const { sql, params } of d1.statements) {
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      for (const row of plan.results) for (const match of row.detail.matchAll(/USING INDEX (\w+)/g)) seenIndexes.add(match[1]!);
    }
    expect([...seenIndexes].sort()).toEqual([
      "sqlite_autoindex_login_devices_1",
      "users_email_unique",
      "users_reset_token_idx",
      "users_session_id_idx",
    ]);
  });
});
