import http from "node:http";
import type { AddressInfo } from "node:net";
import * as client from "openid-client";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser-path.js";
import { startService } from "./local-service.js";
import { logIn, registerClient } from "./oidc-helpers.js";

/**
 * edge-auth as the OpenID provider of a relying party that uses openid-client (a certified RP
 * library) unchanged, against the production bundle on workerd; and a person in Chromium going
 * through login and consent to the app's redirect URI on another origin.
 */
let service: Awaited<ReturnType<typeof startService>>;
let browser: Browser;
let app: http.Server;
let appOrigin: string;
const landed: URL[] = [];
/** The last request that reached the app's callback (the browser also asks for /favicon.ico). */
const callback = () => landed.filter((u) => u.pathname === "/callback").at(-1)!;

beforeAll(async () => {
  service = await startService();
  // The app: another origin (127.0.0.1, not localhost), its callback only records what arrives.
  app = http.createServer((request, response) => {
    landed.push(new URL(request.url!, appOrigin));
    response.writeHead(200, { "content-type": "text/html" }).end("<h1>Back at the app</h1>");
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => app?.close(resolve));
  await service?.stop();
});

const insecure = { execute: [client.allowInsecureRequests] };

async function relyingParty(options: { firstParty?: boolean; public?: boolean; name?: string } = {}) {
  const redirectUri = `${appOrigin}/callback`;
  const registered = await registerClient(service.mf, {
    redirectUris: [redirectUri],
    postLogout: [`${appOrigin}/bye`],
    firstParty: options.firstParty,
    public: options.public,
    name: options.name,
  });
  const auth = options.public ? client.None() : undefined;
  const config = await client.discovery(new URL(service.url), registered.id, registered.secret, auth, insecure);
  return { config, redirectUri, registered };
}

/** The authorization request a browser with `cookie` makes; where the service sends it. */
async function authorize(
  config: client.Configuration,
  redirectUri: string,
  cookie: string | undefined,
  extra: Record<string, string> = {},
) {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid email offline_access",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    nonce,
    state,
    ...extra,
  });
  const answer = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: "manual" });
  return { location: new URL(answer.headers.get("location")!, service.url), verifier, nonce, state, url };
}

describe("openid-client as the relying party", () => {
  it("discovery, code flow with PKCE, ID token checks, userinfo, refresh rotation, reuse detection, revocation, logout", async () => {
    const { config, redirectUri } = await relyingParty({ firstParty: true });
    expect(config.serverMetadata().issuer).toBe(service.url);
    const email = `rp-${Date.now()}@example.com`;
    const cookie = await logIn(service.url, email, "pw-rp");
    const { location, verifier, nonce, state } = await authorize(config, redirectUri, cookie);
    const tokens = await client.authorizationCodeGrant(config, location, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
    });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: service.url, aud: config.clientMetadata().client_id, email, email_verified: false, amr: ["pwd"] });
    expect(claims.sub).toMatch(/^[0-9a-f]{32}$/);
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, email });

    // Refresh: a new pair; the old refresh token again ends the grant (and the new one with it).
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });

    // Revocation (RFC 7009) of a fresh grant's refresh token.
    const second = await authorize(config, redirectUri, cookie);
    const more = await client.authorizationCodeGrant(config, second.location, {
      pkceCodeVerifier: second.verifier,
      expectedNonce: second.nonce,
      expectedState: second.state,
    });
    await client.tokenRevocation(config, more.refresh_token!);
    await expect(client.refreshTokenGrant(config, more.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(client.fetchUserInfo(config, more.access_token, claims.sub)).rejects.toBeTruthy();

    // RP-initiated logout with the ID token as hint: the browser session ends, back to the app.
    const logoutUrl = client.buildEndSessionUrl(config, {
      id_token_hint: more.id_token!,
      post_logout_redirect_uri: `${appOrigin}/bye`,
      state: "bye-1",
    });
    const out = await fetch(logoutUrl, { headers: { cookie }, redirect: "manual" });
    expect(out.headers.get("location")).toBe(`${appOrigin}/bye?state=bye-1`);
    expect((await fetch(`${service.url}/profile`, { headers: { cookie } })).status).toBe(403);
  });

  it("prompt=none without a session comes back with login_required, which openid-client reports", async () => {
    const { config, redirectUri } = await relyingParty({ firstParty: true });
    const { location, verifier, state } = await authorize(config, redirectUri, undefined, { prompt: "none" });
    expect(location.origin).toBe(appOrigin);
    await expect(
      client.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state }),
    ).rejects.toMatchObject({
      error: "login_required",
    });
  });

  it("a public client (PKCE, no secret) gets tokens; without PKCE no code is issued", async () => {
    const { config, redirectUri } = await relyingParty({ firstParty: true, public: true });
    const cookie = await logIn(service.url, `public-${Date.now()}@example.com`, "pw-public");
    const { location, verifier, nonce, state } = await authorize(config, redirectUri, cookie);
    const tokens = await client.authorizationCodeGrant(config, location, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
    });
    expect(tokens.access_token).toBeTruthy();
    const bare = new URL(client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: "openid", state: "x" }));
    const answer = await fetch(bare, { headers: { cookie }, redirect: "manual" });
    const back = new URL(answer.headers.get("location")!);
    expect([back.searchParams.get("error"), back.searchParams.has("code")]).toEqual(["invalid_request", false]);
  });
});

it("in Chromium: an app sends a person to log in and consent, and the browser reaches the app's redirect URI with a code", async () => {
  const { config, redirectUri } = await relyingParty({ name: "Print Shop" });
  const email = `chromium-${Date.now()}@example.com`;
  await fetch(`${service.url}/users`, { method: "POST", body: new URLSearchParams({ email, password: "pw-chromium-1" }) });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid email",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    login_hint: email,
  });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(url.href);
  expect(new URL(page.url()).pathname).toBe("/account/login");
  await expect(page.inputValue("#email")).resolves.toBe(email);
  await page.fill("#password", "pw-chromium-1");
  await page.click("form[action^='/account/login'] button[type=submit]");
  await page.waitForURL((u) => u.pathname === "/account/consent");
  await expect(page.locator("#app-name").textContent()).resolves.toBe("Print Shop");
  await page.screenshot({ path: "test-output/screenshots/oidc-consent.png", fullPage: true });
  landed.length = 0;
  // The Allow button's post ends, through a redirect, at another origin: form-action must allow it.
  await page.click("button:text-is('Allow')");
  await page.waitForURL((u) => u.origin === appOrigin);
  const arrived = callback();
  const tokens = await client.authorizationCodeGrant(config, arrived, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  expect(tokens.claims()!.email).toBe(email);

  // Next time the app asks, the same browser goes straight back (consent is remembered; the login too).
  landed.length = 0;
  const again = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid email",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: "again",
  });
  await page.goto(again.href);
  await page.waitForURL((u) => u.origin === appOrigin);
  expect(callback().searchParams.get("code")).toBeTruthy();

  // Connected apps: listed, and disconnecting asks for consent next time.
  await page.goto(`${service.url}/account/apps`);
  await expect(page.locator("[data-client-id] strong").textContent()).resolves.toBe("Print Shop");
  await page.click("[data-client-id] button[type=submit]");
  await page.waitForURL(`${service.url}/account/apps`);
  await expect(page.locator("#apps").textContent()).resolves.toContain("No app uses your account");
  await context.close();
});
