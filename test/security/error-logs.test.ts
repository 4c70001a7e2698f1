import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { busyError, faultyD1 } from "../d1-faults";
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

/** Every write fails as it does while another process holds SQLite's lock. */
const lockedWrites = () => faultyD1(env.DB, (_, sql) => (/^(insert|update|delete)|^batch$/i.test(sql) ? busyError() : undefined));

describe("a failing D1 statement is logged without its parameters", () => {
  it("POST /users: no email, password or hash in the log; the SQL text and D1's code are there", async () => {
    const email = uniqueEmail("logged");
    const password = "pw-do-not-log";
    const response = await call("POST", "/users", { form: { email, password }, bindings: { DB: lockedWrites() } });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const log = lines.join("\n");
    expect(log).not.toContain(email);
    expect(log).not.toContain(password);
    expect(log).not.toMatch(/\$2[aby]\$/);
    const entry = JSON.parse(lines.find((line) => line.includes('"level":"error"'))!) as Record<string, unknown>;
    expect(entry).toMatchObject({ error: "DrizzleQueryError", codes: ["D1_ERROR", "SQLITE_BUSY"] });
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
    const response = await call("PUT", "/reset_password", { form, bindings: { DB: lockedWrites() } });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const log = lines.join("\n");
    for (const secret of [email, reset_token, digest, "new-pw-do-not-log"]) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/\$2[aby]\$/);
    // A failed batch (the reset is one) is D1's own error: its class and codes, no statement.
    const entry = JSON.parse(lines.find((line) => line.includes('"level":"error"'))!) as Record<string, unknown>;
    expect(entry).toMatchObject({ error: "Error", codes: ["D1_ERROR", "SQLITE_BUSY"] });
  });
});
