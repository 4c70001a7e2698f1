import { env } from "cloudflare:workers";
import { Auth } from "../src/auth/auth";
import { readConfig } from "../src/config";
import { DB } from "../src/db/db";
import { describe, expect, it, vi } from "vitest";
import { TemporarilyUnavailable } from "../src/db/errors";
import { faultyD1 } from "../src/db/faults";
import { counted, countingD1, indexesUsed } from "./d1-counter";
import { capturingEmail, MAIL_VARS, tokenOf } from "./mail";
import { type CallOptions, call, loggedIn, register, uniqueEmail, updateSessionsOf } from "./helpers";

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
    expect(await counted("GET", "/profile", { cookie: `session_id=${crypto.randomUUID()}` })).toMatchObject({ status: 403, roundTrips: 1 });
    // Not the shape of a secret we issue: refused without a query.
    expect(await counted("GET", "/profile", { cookie: "session_id=unknown" })).toMatchObject({ status: 403, roundTrips: 0 });
    expect(await counted("GET", "/profile")).toMatchObject({ status: 403, roundTrips: 0 });

    // The check reads the session's two deadlines and the address it answers, nothing else (the
    // fewer columns and parameters, the cheaper a D1 read): not the digest it matched, no bound LIMIT.
    const [read] = (await counted("GET", "/profile", { cookie })).statements;
    expect(read!.sql).not.toMatch(/hashed_password|reset_token|device|country|amr|secret_hash"?,|limit/i);
    expect(read!.sql.slice(0, read!.sql.search(/ from /i)).split(",")).toHaveLength(3);
    expect(read!.params).toHaveLength(1);

    await updateSessionsOf(email, "idle_expires_at = idle_expires_at - 7200");
    expect(await counted("GET", "/profile", { cookie })).toMatchObject({ status: 200, roundTrips: 2 });
    expect(await counted("GET", "/profile", { cookie })).toMatchObject({ status: 200, roundTrips: 1 });

    await updateSessionsOf(email, "expires_at = 1");
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

describe("the new routes' budgets", () => {
  it("GET /profile/sessions costs 2: the session, then the list", async () => {
    const { cookie } = await loggedIn();
    expect(await counted("GET", "/profile/sessions", { cookie })).toMatchObject({ status: 200, roundTrips: 2 });
    expect(await counted("GET", "/profile/sessions")).toMatchObject({ status: 403, roundTrips: 0 });
  });

  it("ending one, the others or all sessions costs 2", async () => {
    const { email, cookie } = await loggedIn();
    const other = await loggedIn(email);
    const list = (await (await call("GET", "/profile/sessions", { cookie })).json()) as { sessions: { id: string; current: boolean }[] };
    const otherId = list.sessions.find((s) => !s.current)!.id;
    expect(await counted("DELETE", `/profile/sessions/${otherId}`, { cookie })).toMatchObject({ status: 200, roundTrips: 2 });
    expect(await counted("DELETE", `/profile/sessions/${otherId}`, { cookie })).toMatchObject({ status: 404, roundTrips: 2 });
    expect(await counted("POST", "/profile/sessions/end-others", { cookie })).toMatchObject({ status: 200, roundTrips: 2 });
    expect(await counted("POST", "/profile/sessions/end-all", { cookie })).toMatchObject({ status: 200, roundTrips: 2 });
    expect(other.cookie).toBeTruthy();
  });

  it("changing the password and deleting the account cost 3: the session, the claim, the change", async () => {
    const { cookie } = await loggedIn(uniqueEmail(), "old");
    const form = { current_password: "old", new_password: "new" };
    // A wrong current password: the session, the claim, the failure counted.
    expect(await counted("PUT", "/profile/password", { cookie, form: { ...form, current_password: "wrong" } })).toMatchObject({
      status: 401,
      roundTrips: 3,
    });
    const { cookie: fresh } = await loggedIn(uniqueEmail(), "old");
    expect(await counted("PUT", "/profile/password", { cookie: fresh, form })).toMatchObject({ status: 200, roundTrips: 3 });
    const { cookie: doomed } = await loggedIn(uniqueEmail(), "pw");
    expect(await counted("POST", "/profile/delete", { cookie: doomed, form: { password: "pw" } })).toMatchObject({
      status: 200,
      roundTrips: 3,
    });
  });

  it("the daily clean-up costs 1 a round", async () => {
    const d1 = countingD1(env.DB);
    const auth = new Auth(new DB(d1.db), readConfig(env).auth);
    await auth.cleanUp(500, 3);
    expect(d1.roundTrips).toBeGreaterThanOrEqual(1);
    expect(d1.roundTrips).toBeLessThanOrEqual(3);
  });
});

describe("every statement the app sends uses an index", () => {
  it("EXPLAIN QUERY PLAN of every statement of every route and of the clean-up: index searches, never a scan", async () => {
    const trace: { statements: { sql: string; params: unknown[] }[] }[] = [];
    const run = async (method: string, path: string, options: CallOptions = {}) => {
      const result = await counted(method, path, options);
      trace.push(result);
      return result;
    };
    const email = uniqueEmail();
    await run("POST", "/users", { form: { email, password: "pw" } });
    await run("POST", "/sessions", { form: { email, password: "bad" } });
    await run("POST", "/sessions", { form: { email, password: "pw" } });
    const { cookie } = await loggedIn(email, "pw");
    const second = await loggedIn(email, "pw");
    await run("GET", "/profile", { cookie });
    await updateSessionsOf(email, "idle_expires_at = idle_expires_at - 7200");
    await run("GET", "/profile", { cookie });
    const list = (await (await call("GET", "/profile/sessions", { cookie })).json()) as { sessions: { id: string; current: boolean }[] };
    await run("GET", "/profile/sessions", { cookie });
    await run("DELETE", `/profile/sessions/${list.sessions.find((s) => !s.current)!.id}`, { cookie });
    await run("POST", "/profile/sessions/end-others", { cookie });
    await run("PUT", "/profile/password", { cookie, form: { current_password: "pw", new_password: "pw2" } });
    await run("DELETE", "/sessions", { cookie: second.cookie });
    const reset_token = await resetToken(email);
    await run("POST", "/reset_password", { form: { email } });
    await run("PUT", "/reset_password", { form: { email, reset_token, new_password: "n" } });
    const doomed = await loggedIn();
    await run("POST", "/profile/delete", { cookie: doomed.cookie, form: { password: "pw" } });
    await run("POST", "/profile/sessions/end-all", { cookie: (await loggedIn()).cookie });
    // An expired session is deleted on sight.
    const expired = await loggedIn();
    await updateSessionsOf(expired.email, "expires_at = 1");
    await run("GET", "/profile", { cookie: expired.cookie });

    // With mail on: registration with a verification token, verifying, a new link, an address change.
    const mail = capturingEmail();
    const withMail = { vars: MAIL_VARS, bindings: { EMAIL: mail.binding } };
    const mailed = uniqueEmail();
    await run("POST", "/users", { ...withMail, form: { email: mailed, password: "pw" } });
    await run("POST", "/verify_email/resend", { ...withMail, form: { email: mailed } });
    await run("POST", "/verify_email", { ...withMail, form: { token: tokenOf(mail.sent.at(-1), "/account/verify") } });
    const mover = await loggedIn(uniqueEmail(), "pw");
    await run("PUT", "/profile/email", { ...withMail, cookie: mover.cookie, form: { password: "pw", new_email: uniqueEmail() } });
    await run("POST", "/confirm_email", { ...withMail, form: { token: tokenOf(mail.sent.at(-1), "/account/email/confirm") } });
    await run("POST", "/reset_password", {
      vars: { ...MAIL_VARS, RESET_TOKEN_DELIVERY: "email" },
      bindings: { EMAIL: mail.binding },
      form: { email: mailed },
    });
    // A mailed reset link spent, and an address change cancelled from the notice's link.
    await run("PUT", "/reset_password", {
      ...withMail,
      form: { email: mailed, reset_token: tokenOf(mail.sent.at(-1), "/account/reset"), new_password: "n2" },
    });
    await run("PUT", "/profile/email", { ...withMail, cookie: mover.cookie, form: { password: "pw", new_email: uniqueEmail() } });
    await run("POST", "/cancel_email_change", { ...withMail, form: { token: tokenOf(mail.sent.at(-2), "/account/email/cancel") } });
    // A confirmed change undone from the old address.
    const undone = await loggedIn(uniqueEmail(), "pw");
    await run("PUT", "/profile/email", { ...withMail, cookie: undone.cookie, form: { password: "pw", new_email: uniqueEmail() } });
    await run("POST", "/confirm_email", { ...withMail, form: { token: tokenOf(mail.sent.at(-1), "/account/email/confirm") } });
    await run("POST", "/revert_email_change", {
      ...withMail,
      form: { token: tokenOf(mail.sent.at(-1), "/account/email/revert"), new_password: "back" },
    });

    // The clean-up, and a reset through Auth without the email (the token's own index).
    const d1 = countingD1(env.DB);
    const auth = new Auth(new DB(d1.db), readConfig(env).auth);
    await auth.cleanUp(50, 1);
    await auth.updatePassword(await resetToken((await loggedIn()).email), "again");
    trace.push(d1);

    const statements = trace.flatMap((t) => t.statements);
    expect(statements.length).toBeGreaterThanOrEqual(30);
    expect([...(await indexesUsed(statements))].sort()).toEqual([
      "accounts_user_id_idx",
      "email_tokens_expires_at_idx",
      "email_tokens_user_id_idx",
      "login_devices_last_login_at_idx",
      "mail_counts_window_start_idx",
      "oauth_codes_expires_at_idx",
      "oauth_codes_user_id_idx",
      "oauth_grants_expires_at_idx",
      "oauth_grants_user_id_idx",
      "oauth_refresh_tokens_grant_id_idx",
      "passkeys_user_id_idx",
      "pending_logins_expires_at_idx",
      "pending_logins_user_id_idx",
      "sessions_expires_at_idx",
      "sessions_idle_expires_at_idx",
      "sessions_secret_hash_unique",
      "sessions_user_id_last_used_at_idx",
      "sqlite_autoindex_email_tokens_1",
      "sqlite_autoindex_login_devices_1",
      "sqlite_autoindex_mail_counts_1",
      "sqlite_autoindex_oauth_codes_1",
      "sqlite_autoindex_oauth_consents_1",
      "sqlite_autoindex_oauth_grants_1",
      "sqlite_autoindex_pending_logins_1",
      "sqlite_autoindex_recovery_codes_1",
      "sqlite_autoindex_sessions_1",
      "sqlite_autoindex_webauthn_challenges_1",
      "users_email_unique",
      "users_reset_token_expires_at_idx",
      "users_reset_token_idx",
      "webauthn_challenges_expires_at_idx",
      "webauthn_challenges_user_id_idx",
    ]);
  });

  it("the reads that look for a lost write's effect (after D1 lost the answer) use indexes too", async () => {
    // The warn line of each lost answer is d1-faults.test.ts's business; not this report's.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const statements: { sql: string; params: unknown[] }[] = [];
    /** A request whose `nth` write commits but whose answer is lost, every statement recorded. */
    const lost = async (method: string, path: string, options: CallOptions = {}, nth = 0) => {
      const d1 = countingD1(env.DB);
      let writes = 0;
      const db = faultyD1(d1.db, (_, sql) =>
        /^(insert|update|delete)|^batch$/i.test(sql) && writes++ === nth ? { timing: "after", message: "connectionLost" } : undefined,
      );
      const response = await call(method, path, { ...options, bindings: { ...options.bindings, DB: db } });
      statements.push(...d1.statements);
      return response.status;
    };
    const email = uniqueEmail();
    expect(await lost("POST", "/users", { form: { email, password: "pw" } })).toBe(200);
    // The claim is the first write; the session, the change, the deletion the second.
    expect(await lost("POST", "/sessions", { form: { email, password: "pw" } }, 1)).toBe(200);
    const { cookie } = await loggedIn(email, "pw");
    expect(await lost("PUT", "/profile/password", { cookie, form: { current_password: "pw", new_password: "pw2" } }, 1)).toBe(200);
    const reset_token = await resetToken(email);
    expect(await lost("PUT", "/reset_password", { form: { email, reset_token, new_password: "n" } })).toBe(200);
    const doomed = await loggedIn();
    expect(await lost("POST", "/profile/delete", { cookie: doomed.cookie, form: { password: "pw" } }, 1)).toBe(200);
    const mail = capturingEmail();
    const withMail = { vars: MAIL_VARS, bindings: { EMAIL: mail.binding } };
    await call("POST", "/users", { ...withMail, form: { email: uniqueEmail(), password: "pw" } });
    expect(await lost("POST", "/verify_email", { ...withMail, form: { token: tokenOf(mail.sent.at(-1), "/account/verify") } })).toBe(200);
    const mover = await loggedIn(uniqueEmail(), "pw");
    await call("PUT", "/profile/email", { ...withMail, cookie: mover.cookie, form: { password: "pw", new_email: uniqueEmail() } });
    expect(
      await lost("POST", "/confirm_email", { ...withMail, form: { token: tokenOf(mail.sent.at(-1), "/account/email/confirm") } }),
    ).toBe(200);
    // Through Auth: a reset without the address (the token's own index; a spent token cannot be told: 503).
    const d1 = countingD1(env.DB);
    const db = faultyD1(d1.db, (_, sql) => (sql === "batch" ? { timing: "after", message: "storageReset" } : undefined));
    const auth = new Auth(new DB(db), readConfig(env).auth);
    await expect(auth.updatePassword(await resetToken((await loggedIn()).email), "again")).rejects.toThrow(TemporarilyUnavailable);
    statements.push(...d1.statements);
    expect([...(await indexesUsed(statements))].sort()).toEqual([
      "accounts_user_id_idx",
      "email_tokens_user_id_idx",
      "oauth_codes_user_id_idx",
      "oauth_grants_user_id_idx",
      "oauth_refresh_tokens_grant_id_idx",
      "passkeys_user_id_idx",
      "pending_logins_user_id_idx",
      "sessions_secret_hash_unique",
      "sessions_user_id_last_used_at_idx",
      "sqlite_autoindex_email_tokens_1",
      "sqlite_autoindex_login_devices_1",
      "sqlite_autoindex_mail_counts_1",
      "sqlite_autoindex_oauth_consents_1",
      "sqlite_autoindex_recovery_codes_1",
      "sqlite_autoindex_sessions_1",
      "users_email_unique",
      "users_reset_token_idx",
      "webauthn_challenges_user_id_idx",
    ]);
    warn.mockRestore();
  });
});
