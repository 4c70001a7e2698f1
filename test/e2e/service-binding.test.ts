import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import * as client from "openid-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startService } from "./local-service.js";
import { logIn, registerClient } from "./oidc-helpers.js";

// Another Worker of the team, bound to edge-auth's AuthService entrypoint (examples/consumer-worker),
// both run by Miniflare: the consumer asks over RPC whose session a cookie is, or whose access token.
let service: Awaited<ReturnType<typeof startService>>;
let consumer: { fetch(url: string, init?: RequestInit): Promise<Response> };

beforeAll(async () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), "consumer-")), "index.js");
  await build({
    entryPoints: [path.resolve("examples/consumer-worker/src/index.ts")],
    bundle: true,
    format: "esm",
    outfile: out,
    external: ["cloudflare:workers"],
    logLevel: "silent",
  });
  service = await startService({
    extraWorkers: [
      {
        name: "consumer",
        modules: true,
        scriptPath: out,
        modulesRoot: path.dirname(out),
        compatibilityDate: "2025-09-01",
        serviceBindings: { AUTH: { name: "edge-auth", entrypoint: "AuthService" } },
      },
    ],
  });
  consumer = (await service.mf.getWorker("consumer")) as unknown as typeof consumer;
});

afterAll(async () => {
  await service?.stop();
});

it("a consumer Worker checks a session over the service binding: cookie header or secret, null once logged out", async () => {
  const cookie = await logIn(service.url, `binding-${Date.now()}@example.com`, "pw-binding");
  const byCookie = await consumer.fetch("http://consumer/", { headers: { cookie: `theme=dark; ${cookie}` } });
  const body = (await byCookie.json()) as { hello: string; user: string; session_expires_at: number };
  expect(byCookie.status).toBe(200);
  expect(body.hello).toMatch(/^binding-\d+@example\.com$/);
  expect(body.user).toMatch(/^[0-9a-f]{32}$/);
  expect(body.session_expires_at).toBeGreaterThan(Date.now() / 1000);
  for (const wrong of ["", "session_id=nope", "other=1"]) {
    expect((await consumer.fetch("http://consumer/", { headers: { cookie: wrong } })).status).toBe(401);
  }
  await fetch(`${service.url}/sessions`, { method: "DELETE", headers: { cookie }, redirect: "manual" });
  expect((await consumer.fetch("http://consumer/", { headers: { cookie } })).status).toBe(401);
});

it("a consumer Worker checks an access token: valid while its grant lives, null once revoked", async () => {
  const redirectUri = "http://app.localhost/cb";
  const registered = await registerClient(service.mf, { redirectUris: [redirectUri], firstParty: true });
  const config = await client.discovery(new URL(service.url), registered.id, registered.secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  const cookie = await logIn(service.url, `token-${Date.now()}@example.com`, "pw-token");
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid email",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: "s1",
  });
  const answer = await fetch(url, { headers: { cookie }, redirect: "manual" });
  const tokens = await client.authorizationCodeGrant(config, new URL(answer.headers.get("location")!), {
    pkceCodeVerifier: verifier,
    expectedState: "s1",
  });
  const ok = await consumer.fetch("http://consumer/", { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect([ok.status, ((await ok.json()) as { app: string }).app]).toEqual([200, registered.id]);
  await client.tokenRevocation(config, tokens.access_token);
  expect((await consumer.fetch("http://consumer/", { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
  expect((await consumer.fetch("http://consumer/", { headers: { authorization: "Bearer x.y.z" } })).status).toBe(401);
});
