import { describe, expect, it } from "vitest";
import { LOCAL_ONLY_SIGNING_KEYS } from "../../src/auth/oauth-keys";
import { ConfigError, readConfig, SECRET_SETTINGS } from "../../src/config";
import { call, uniqueEmail } from "../helpers";
import { addClient, codeFor } from "./helpers";

/** A new RSA key as a private JWK, made with WebCrypto here (what `npm run keys -- new` makes). */
async function newKey(kid: string) {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  return { ...((await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey), kid, alg: "RS256", use: "sig" } as Record<
    string,
    unknown
  >;
}
const publicPart = ({ kty, n, e, kid }: Record<string, unknown>) => ({ kty, n, e, kid });
const kidOf = (jwt: string) => (JSON.parse(atob(jwt.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))) as { kid: string }).kid;

describe("signing keys", () => {
  it("rotation: a new key is published before it signs, and the old one verifies until it is retired", async () => {
    const a = await newKey("key-a");
    const b = await newKey("key-b");
    const client = await addClient({ firstParty: true });
    const withKeys = (keys: unknown[]) => ({ vars: { OIDC_SIGNING_KEYS: JSON.stringify(keys) } });
    const tokensWith = async (keys: unknown[]) => {
      const { code, verifier } = await codeFor(client);
      const response = await call("POST", "/oauth/token", {
        ...withKeys(keys),
        form: { grant_type: "authorization_code", code, redirect_uri: client.redirectUri, code_verifier: verifier },
        headers: { authorization: `Basic ${btoa(`${client.id}:${client.secret}`)}` },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { access_token: string; id_token: string };
    };
    const kids = async (keys: unknown[]) =>
      ((await (await call("GET", "/oauth/jwks", withKeys(keys))).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const userinfo = (token: string, keys: unknown[]) =>
      call("GET", "/oauth/userinfo", { ...withKeys(keys), headers: { authorization: `Bearer ${token}` } });

    const old = await tokensWith([a]);
    expect(kidOf(old.id_token)).toBe("key-a");
    // 1. Publish b: both in the JWKS, a still signs.
    expect(await kids([a, b])).toEqual(["key-a", "key-b"]);
    expect(kidOf((await tokensWith([a, b])).access_token)).toBe("key-a");
    // 2. Promote b: it signs; a (its public part only) still verifies what it signed.
    const promoted = [b, publicPart(a)];
    expect(await kids(promoted)).toEqual(["key-b", "key-a"]);
    expect(kidOf((await tokensWith(promoted)).id_token)).toBe("key-b");
    expect((await userinfo(old.access_token, promoted)).status).toBe(200);
    // 3. Retire a once its tokens have expired: gone from the JWKS, and nothing it signed passes.
    expect(await kids([b])).toEqual(["key-b"]);
    expect((await userinfo(old.access_token, [b])).status).toBe(401);
  });

  it("the settings check: a deployment needs its own keys; the local-only ones and malformed ones are refused", async () => {
    const deployment = { PUBLIC_URL: "https://auth.example.com", ENCRYPTION_KEY: btoa("k".repeat(32)) };
    const refusal = (settings: object) => {
      try {
        readConfig(settings);
      } catch (error) {
        return error as ConfigError;
      }
      throw new Error("accepted");
    };
    expect(refusal(deployment)).toMatchObject({ variable: "OIDC_SIGNING_KEYS", value: "" });
    expect(refusal({ ...deployment, OIDC_SIGNING_KEYS: LOCAL_ONLY_SIGNING_KEYS }).message).toMatch(/published in the source/);
    expect(refusal({ ...deployment, OIDC_SIGNING_KEYS: "not json" })).toMatchObject({ variable: "OIDC_SIGNING_KEYS", value: "(hidden)" });
    const a = await newKey("key-a");
    expect(refusal({ ...deployment, OIDC_SIGNING_KEYS: JSON.stringify([publicPart(a)]) }).message).toMatch(/first key signs/);
    expect(readConfig({ ...deployment, OIDC_SIGNING_KEYS: JSON.stringify([a]) }).auth.oidc.signingKeys).toContain("key-a");
    // A developer's machine works without one: the published keys.
    expect(readConfig({}).auth.oidc.signingKeys).toBe(LOCAL_ONLY_SIGNING_KEYS);
  });

  it("COOKIE_DOMAIN puts Domain on the session cookie only, and must be PUBLIC_URL's host or a parent of it", async () => {
    const vars = { PUBLIC_URL: "http://localhost:8787", COOKIE_DOMAIN: "localhost" };
    const email = uniqueEmail();
    await call("POST", "/users", { form: { email, password: "pw" } });
    const response = await call("POST", "/sessions", { vars, form: { email, password: "pw" } });
    const cookies = response.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith("session_id="))).toMatch(/; Domain=localhost/);
    expect(cookies.find((c) => c.startsWith("device="))).not.toMatch(/Domain=/);
    expect(() => readConfig({ COOKIE_DOMAIN: ".other.com" })).toThrow(/parent domain/);
    const deployed = {
      PUBLIC_URL: "https://auth.example.com",
      ENCRYPTION_KEY: btoa("k".repeat(32)),
      OIDC_SIGNING_KEYS: SECRET_SETTINGS.OIDC_SIGNING_KEYS,
    };
    expect(() => readConfig({ ...deployed, COOKIE_DOMAIN: ".com" })).toThrow(/parent domain/);
    expect(readConfig({ ...deployed, COOKIE_DOMAIN: ".example.com" }).cookieDomain).toBe("example.com");
  });

  it("the round trips the issue asks for: token exchange 2, refresh 2, userinfo 1, discovery 0, JWKS 0", async () => {
    const { counted } = await import("../d1-counter");
    const client = await addClient({ firstParty: true });
    const { code, verifier } = await codeFor(client);
    const basic = { authorization: `Basic ${btoa(`${client.id}:${client.secret}`)}` };
    const exchanged = await counted("POST", "/oauth/token", {
      form: { grant_type: "authorization_code", code, redirect_uri: client.redirectUri, code_verifier: verifier },
      headers: basic,
    });
    expect([exchanged.status, exchanged.roundTrips]).toEqual([200, 2]);
    const tokens = (await exchanged.response.json()) as { access_token: string; refresh_token: string };
    const refreshed = await counted("POST", "/oauth/token", {
      form: { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      headers: basic,
    });
    expect([refreshed.status, refreshed.roundTrips]).toEqual([200, 2]);
    const info = await counted("GET", "/oauth/userinfo", { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect([info.status, info.roundTrips]).toEqual([200, 1]);
    expect((await counted("GET", "/.well-known/openid-configuration")).roundTrips).toBe(0);
    expect((await counted("GET", "/oauth/jwks")).roundTrips).toBe(0);
  });
});
