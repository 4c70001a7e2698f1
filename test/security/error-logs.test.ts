import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { faultyD1 } from "../../src/db/faults";
import { call, register, uniqueEmail } from "../helpers";

/** Everything written to the console during a test, one string per call. */
let lines: string[];
beforeEach(() => {
  lines = [];
  for (const level of ["log", "warn", "error", "info", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  }
});
afterEach(() => vi.restoreAllMocks());

const isWrite = (sql: string) => /^(insert|update|delete)|^batch$/i.test(sql);
/** Every write fails with an error that is not D1's transient kind (a bug: 500, logged). */
const brokenWrites = () =>
  faultyD1(env.DB, (_, sql) => (isWrite(sql) ? { timing: "before", message: "D1_ERROR: no such column: nope: SQLITE_ERROR" } : undefined));
/** Every write fails as it does while another process holds SQLite's lock (transient: 503, warned). */
const lockedWrites = () => faultyD1(env.DB, (_, sql) => (isWrite(sql) ? { timing: "before", message: "busy" } : undefined));

describe("a failing D1 statement is logged without its parameters", () => {
  it("POST /users: no email, password or hash in the log; the SQL text and D1's code are there", async () => {
    const email = uniqueEmail("logged");
    const password = "pw-do-not-log";
    const response = await call("POST", "/users", { form: { email, password }, bindings: { DB: brokenWrites() } });
    expect(response.status).toBe(500);
    const log = lines.join("\n");
    expect(log).not.toContain(email);
    expect(log).not.toContain(password);
    expect(log).not.toMatch(/\$2[aby]\$/);
    const entry = JSON.parse(lines.find((line) => line.includes('"level":"error"'))!) as Record<string, unknown>;
    expect(entry).toMatchObject({ error: "DrizzleQueryError", codes: ["D1_ERROR", "SQLITE_ERROR"] });
    expect(entry.sql).toMatch(/^insert into "users" \("id", "email", "hashed_password"/);
    expect(Object.keys(entry)).not.toContain("message");
  });

  it("PUT /reset_password: no email, hash or token digest in the log", async () => {
    const email = uniqueEmail("logged");
    await register(email);
    const reset = await call("POST", "/reset_password", { form: { email } });
    const { reset_token } = (await reset.json()) as { reset_token: string };
    const digest = (await env.DB.prepare("SELECT reset_token FROM users WHERE email = ?").bind(email).first<{ reset_token: string }>())!
      .reset_token;
    const form = { email, reset_token, new_password: "new-pw-do-not-log" };
    const response = await call("PUT", "/reset_password", { form, bindings: { DB: brokenWrites() } });
    expect(response.status).toBe(500);
    const log = lines.join("\n");
    for (const secret of [email, reset_token, digest, "new-pw-do-not-log"]) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/\$2[aby]\$/);
    // A failed batch (the reset is one) is D1's own error: its class and codes, no statement.
    const entry = JSON.parse(lines.find((line) => line.includes('"level":"error"'))!) as Record<string, unknown>;
    expect(entry).toMatchObject({ error: "Error", codes: ["D1_ERROR", "SQLITE_ERROR"] });
  });

  it("a transient failure (SQLite's lock held): 503, one warn line per attempt with class, attempt and request id, no values", async () => {
    const email = uniqueEmail("logged");
    await register(email);
    const reset = await call("POST", "/reset_password", { form: { email } });
    const { reset_token } = (await reset.json()) as { reset_token: string };
    const form = { email, reset_token, new_password: "new-pw-do-not-log" };
    const response = await call("PUT", "/reset_password", { form, bindings: { DB: lockedWrites() } });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.json()).toEqual({ message: "temporarily unavailable, try again" });
    const log = lines.join("\n");
    for (const secret of [email, reset_token, "new-pw-do-not-log"]) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/\$2[aby]\$/);
    const warnings = lines.filter((line) => line.includes('"level":"warn"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warnings.map((w) => w.attempt)).toEqual([1, 2, 3]);
    for (const warning of warnings) {
      expect(warning).toMatchObject({ d1: "D1Busy", method: "spendResetToken" });
      expect(warning.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Object.keys(warning).sort()).toEqual(["attempt", "d1", "level", "method", "outcome", "requestId"]);
    }
    expect(warnings.at(-1)!.outcome).toMatch(/^unavailable/);
    // No error line: a database blip is not a bug.
    expect(lines.some((line) => line.includes('"level":"error"'))).toBe(false);
  });
});
