import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { expect, it } from "vitest";
import { isToken, slotOf, slotOfSecret } from "../../src/auth/tokens";
import { addClient, codeFor, exchange, tokenCall } from "../oauth/helpers";
import { call, loggedIn, randomIp, secretOf, uniqueEmail } from "../helpers";

// docs/scaling.md#past-one-d1: accounts spread over several databases would be placed by slot,
// the first byte of the user's public id. Every secret issued to a known user carries that slot
// in its own first byte, so the request presenting it can go to the right database before any
// lookup, and the seed's formats stay: session ids are still UUIDs v4.
async function publicIdOf(email: string): Promise<string> {
  const row = await env.DB.prepare("SELECT public_id FROM users WHERE email = ?").bind(email).first<{ public_id: string }>();
  return row!.public_id;
}

it("a session id is a UUID v4 that carries its user's slot", async () => {
  for (let i = 0; i < 3; i++) {
    const { email, cookie } = await loggedIn(uniqueEmail("slot"), "pw");
    const secret = secretOf(cookie);
    expect(isToken(secret)).toBe(true);
    expect(slotOfSecret(secret)).toBe(slotOf(await publicIdOf(email)));
    // The rest is random: two sessions of one user share the first byte only.
    const again = secretOf(
      (await call("POST", "/sessions", { form: { email, password: "pw" }, headers: { "CF-Connecting-IP": randomIp() } })).headers.get(
        "set-cookie",
      )!,
    );
    expect(again.slice(0, 2)).toBe(secret.slice(0, 2));
    expect(again).not.toBe(secret);
  }
});

it("an app's code, refresh tokens and tokens name the user's slot; sub is the public id", async () => {
  const client = await addClient({ firstParty: true });
  const { code, verifier, email } = await codeFor(client);
  const slot = slotOf(await publicIdOf(email!));
  expect(slot).toBeTypeOf("number");
  expect(slotOfSecret(code)).toBe(slot);
  const tokens = (await (await exchange(client, code, verifier)).json()) as { refresh_token: string; access_token: string };
  expect(slotOfSecret(tokens.refresh_token)).toBe(slot);
  expect(slotOf(decodeJwt(tokens.access_token).sub)).toBe(slot);
  const rotated = (await (await tokenCall({ grant_type: "refresh_token", refresh_token: tokens.refresh_token }, client)).json()) as {
    refresh_token: string;
  };
  expect(slotOfSecret(rotated.refresh_token)).toBe(slot);
});

it("a value of no shape of ours carries no slot", () => {
  expect(slotOfSecret("not-a-token")).toBeUndefined();
  expect(slotOfSecret(crypto.randomUUID().toUpperCase())).toBeUndefined();
  expect(slotOf(null)).toBeUndefined();
});
