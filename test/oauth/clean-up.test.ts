import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/tokens";
import { makeAuth } from "../helpers";
import { addClient, codeFor, exchange, tokenCall } from "./helpers";

const count = async (sql: string, ...values: unknown[]) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${sql}`)
    .bind(...values)
    .first<{ n: number }>())!.n;

it("the clean-up keeps a used code while its grant lives: replayed after, it still ends the grant", async () => {
  const client = await addClient({ firstParty: true });
  const { code, verifier } = await codeFor(client);
  const tokens = (await (await exchange(client, code, verifier)).json()) as { refresh_token: string };
  const now = Math.floor(Date.now() / 1000);
  await env.DB.prepare("UPDATE oauth_codes SET expires_at = ? WHERE code_hash = ?")
    .bind(now - 1, await sha256Hex(code))
    .run();
  await makeAuth().cleanUp();
  expect(await count("oauth_codes WHERE code_hash = ?", await sha256Hex(code))).toBe(1);
  expect((await exchange(client, code, verifier)).status).toBe(400);
  // The replay ended what the code issued.
  expect((await tokenCall({ grant_type: "refresh_token", refresh_token: tokens.refresh_token }, client)).status).toBe(400);
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
