import { env } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import { sha256Hex } from "../../src/auth/tokens";
import { counted } from "../d1-counter";
import { call, loggedIn, sessionRow } from "../helpers";

async function rowOf(email: string) {
  return (await env.DB.prepare("SELECT * FROM users WHERE email = ?").bind(email).first<Record<string, unknown>>())!;
}

it("stores only SHA-256 digests of session ids, reset tokens and device tokens", async () => {
  const { email, cookie } = await loggedIn();
  const sessionId = cookie.slice("session_id=".length);
  const login = await call("POST", "/sessions", { form: { email, password: "pw" } });
  const device = /device=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")![1]!;
  const reset = await call("POST", "/reset_password", { form: { email } });
  const { reset_token } = (await reset.json()) as { reset_token: string };

  const row = await rowOf(email);
  expect((await sessionRow(sessionId))!.secret_hash).toBe(await sha256Hex(sessionId));
  expect(row.reset_token).toBe(await sha256Hex(reset_token));
  const dump = JSON.stringify(
    await Promise.all(
      ["users", "sessions", "login_devices"].map(async (table) => (await env.DB.prepare(`SELECT * FROM ${table}`).all()).results),
    ),
  );
  for (const secret of [sessionId, reset_token, device]) expect(dump).not.toContain(secret);
  // A session's public id is not its secret and opens nothing.
  const publicId = String((await sessionRow(sessionId))!.id);
  expect(publicId).not.toBe(sessionId);
  expect((await call("GET", "/profile", { cookie: `session_id=${publicId}` })).status).toBe(403);
});

it("a dump of the table lets nobody in: stored digests are useless as credentials", async () => {
  const { email } = await loggedIn();
  await call("POST", "/reset_password", { form: { email } });
  const row = await rowOf(email);

  const { cookie } = await loggedIn(email);
  const digest = String((await sessionRow(cookie.slice("session_id=".length)))!.secret_hash);
  expect((await call("GET", "/profile", { cookie: `session_id=${digest}` })).status).toBe(403);
  const put = await call("PUT", "/reset_password", {
    form: { email, reset_token: String(row.reset_token), new_password: "taken-over" },
  });
  expect(put.status).toBe(403);
  expect((await rowOf(email)).hashed_password).toBe(row.hashed_password);
});

it("a presented session id is looked up by its digest alone, matched exactly by the unique index; a near miss finds nothing", async () => {
  const { email, cookie } = await loggedIn();
  const secret = cookie.slice("session_id=".length);
  const found = await counted("GET", "/profile", { cookie });
  expect(await found.response.json()).toEqual({ email });
  // What reaches D1 is the digest, never the secret (no compare after the lookup: the row the
  // WHERE clause returns has that digest, byte for byte).
  expect(found.statements.map((s) => s.params)).toEqual([[await sha256Hex(secret)]]);
  expect(found.statements[0]!.sql).toMatch(/where "sessions"."secret_hash" = \?$/);
  // The same secret with its last character changed is another digest: no session.
  const near = `${secret.slice(0, -1)}${secret.endsWith("0") ? "1" : "0"}`;
  expect((await call("GET", "/profile", { cookie: `session_id=${near}` })).status).toBe(403);
  expect((await call("GET", "/profile", { cookie: `session_id=${secret.toUpperCase()}` })).status).toBe(403);
});
