import { env } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import { sha256Hex } from "../../src/auth/tokens";
import { call, loggedIn } from "../helpers";

async function rowOf(email: string) {
  return (await env.DB.prepare("SELECT * FROM users WHERE email = ?").bind(email).first<Record<string, unknown>>())!;
}

it("stores only SHA-256 digests of session ids and reset tokens", async () => {
  const { email, cookie } = await loggedIn();
  const sessionId = cookie.slice("session_id=".length);
  const reset = await call("POST", "/reset_password", { form: { email } });
  const { reset_token } = (await reset.json()) as { reset_token: string };

  const row = await rowOf(email);
  expect(row.session_id).toBe(await sha256Hex(sessionId));
  expect(row.reset_token).toBe(await sha256Hex(reset_token));
  const dump = JSON.stringify((await env.DB.prepare("SELECT * FROM users").all()).results);
  expect(dump).not.toContain(sessionId);
  expect(dump).not.toContain(reset_token);
});

it("a dump of the table lets nobody in: stored digests are useless as credentials", async () => {
  const { email } = await loggedIn();
  await call("POST", "/reset_password", { form: { email } });
  const row = await rowOf(email);

  expect((await call("GET", "/profile", { cookie: `session_id=${row.session_id}` })).status).toBe(403);
  const put = await call("PUT", "/reset_password", {
    form: { email, reset_token: String(row.reset_token), new_password: "taken-over" },
  });
  expect(put.status).toBe(403);
  expect((await rowOf(email)).hashed_password).toBe(row.hashed_password);
});

it("a presented session id is compared with the stored digest in constant time", async () => {
  const { email, cookie } = await loggedIn();
  const compare = vi.spyOn(crypto.subtle, "timingSafeEqual");
  try {
    const response = await call("GET", "/profile", { cookie });
    expect(await response.json()).toEqual({ email });
    expect(compare).toHaveBeenCalledTimes(1);
  } finally {
    compare.mockRestore();
  }
});
