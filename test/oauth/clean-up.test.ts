import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/tokens";
import { makeAuth } from "../helpers";
import { addClient, codeFor, exchange, tokenCall } from "./helpers";

const count = async (sql: string, ...values: unknown[]) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${sql}`)
    .bind(...values)
    .first<{ n: number }>())!.n;

it("a used refresh token is kept a day (a replay then ends the grant) and goes with a later rotation", async () => {
  const client = await addClient({ firstParty: true });
  const { code, verifier } = await codeFor(client);
  const tokens = [((await (await exchange(client, code, verifier)).json()) as { refresh_token: string }).refresh_token];
  const rotate = async () => {
    const next = (await (await tokenCall({ grant_type: "refresh_token", refresh_token: tokens.at(-1)! }, client)).json()) as {
      refresh_token: string;
    };
    tokens.push(next.refresh_token);
  };
  for (let i = 0; i < 4; i++) await rotate();
  const grant = "oauth_refresh_tokens r JOIN oauth_grants g ON g.id = r.grant_id WHERE g.client_id = ?";
  // Used within the day: all kept.
  expect(await count(grant, client.id)).toBe(5);
  // The first three were used over a day ago: the next rotation removes them, not the one it uses.
  const dayAgo = Math.floor(Date.now() / 1000) - 86_401;
  for (const token of tokens.slice(0, 3)) {
    await env.DB.prepare("UPDATE oauth_refresh_tokens SET used_at = ? WHERE token_hash = ?")
      .bind(dayAgo, await sha256Hex(token))
      .run();
  }
  await rotate();
  expect(await count(grant, client.id)).toBe(3);
  // One of those, presented now, is unknown: refused, and the grant goes on.
  expect((await tokenCall({ grant_type: "refresh_token", refresh_token: tokens[0]! }, client)).status).toBe(400);
  // One used within the day, presented again, is a replay: the grant ends, the live token with it.
  expect((await tokenCall({ grant_type: "refresh_token", refresh_token: tokens[3]! }, client)).status).toBe(400);
  expect((await tokenCall({ grant_type: "refresh_token", refresh_token: tokens.at(-1)! }, client)).status).toBe(400);
});

it("the daily clean-up removes grants that have ended (with their tokens) and expired codes, and keeps live ones", async () => {
  const client = await addClient({ firstParty: true });
  const live = await codeFor(client);
  const kept = (await (await exchange(client, live.code, live.verifier)).json()) as { refresh_token: string };
  const now = Math.floor(Date.now() / 1000);
  const other = await addClient({ firstParty: true });
  const ended = await codeFor(other);
  await exchange(other, ended.code, ended.verifier);
  await env.DB.prepare("UPDATE oauth_grants SET expires_at = ? WHERE client_id = ?")
    .bind(now - 1, other.id)
    .run();
  const unused = await codeFor(client);
  await env.DB.prepare("UPDATE oauth_codes SET expires_at = ? WHERE code_hash = ?")
    .bind(now - 1, await sha256Hex(unused.code))
    .run();

  const removed = await makeAuth().cleanUp();
  expect(removed.appTokens).toBeGreaterThanOrEqual(2);
  expect(await count("oauth_grants WHERE client_id = ?", other.id)).toBe(0);
  expect(await count("oauth_refresh_tokens r JOIN oauth_grants g ON g.id = r.grant_id WHERE g.client_id = ?", other.id)).toBe(0);
  expect(await count("oauth_codes WHERE code_hash = ?", await sha256Hex(unused.code))).toBe(0);
  expect(await count("oauth_grants WHERE client_id = ?", client.id)).toBe(1);
  expect((await tokenCall({ grant_type: "refresh_token", refresh_token: kept.refresh_token }, client)).status).toBe(200);
});
