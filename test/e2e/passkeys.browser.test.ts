import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, type CDPSession, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "./browser-path.js";
import { startService } from "./local-service.js";

/**
 * Passkeys end to end: the account pages and their script (public/passkeys.js) in Chromium, with
 * the DevTools protocol's virtual authenticator (a platform authenticator with user
 * verification and resident keys, as a phone or a laptop's fingerprint reader is), on
 * http://localhost: the browser does the WebAuthn Level 3 JSON encoding, the service checks it.
 */
const SCREENSHOTS = path.resolve("test-output/screenshots");

let service: Awaited<ReturnType<typeof startService>>;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  service = await startService();
  expect(service.url).toMatch(/^http:\/\/localhost:\d+$/);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

/** A browser profile whose "device" is a virtual platform authenticator (user verified, resident keys). */
async function withAuthenticator(): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession; authenticatorId: string }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { context, page, cdp, authenticatorId };
}

async function registerAndLogIn(page: Page, email: string, password: string) {
  await page.goto(`${service.url}/account/register`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
  await page.fill("#password", password);
  await page.click("form[action='/account/login'] button[type=submit], button:has-text('Log in')");
  await page.waitForURL(`${service.url}/account/profile`);
}

/** The page is laid out for a phone: nothing wider than the 390 px viewport. */
async function fitsPhone(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
}

it("a person adds a passkey on the passkeys page, then signs in with it alone, and confirms a sensitive action with it", async () => {
  const { context, page, cdp, authenticatorId } = await withAuthenticator();
  const email = `passkey-${Date.now()}@example.com`;
  await registerAndLogIn(page, email, "a-long-password");

  await page.goto(`${service.url}/account/passkeys`);
  await expect(page.locator("#passkeys").textContent()).resolves.toContain("no passkey");
  await expect(page.locator("#passkey-add").isVisible()).resolves.toBe(true);
  await fitsPhone(page);
  const added = page.waitForResponse((r) => r.url().endsWith("/profile/passkeys") && r.request().method() === "POST");
  await page.click("#passkey-add");
  expect((await added).status()).toBe(201);
  await page.waitForSelector("[data-passkey-id]");
  await expect(page.locator("[data-passkey-id]").count()).resolves.toBe(1);
  await page.screenshot({ path: path.join(SCREENSHOTS, "passkeys-390.png"), fullPage: true });
  // The authenticator holds one discoverable credential for the relying party `localhost`, for this account.
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: "localhost" });
  const signCountAfterAdding = credentials[0]!.signCount;

  // Signed out (no cookies at all: not even the remembered client), the passkey alone signs in.
  await context.clearCookies();
  await page.goto(`${service.url}/account/login`);
  await fitsPhone(page);
  await expect(page.locator("#passkey-sign-in").isVisible()).resolves.toBe(true);
  const signedIn = page.waitForResponse((r) => r.url().endsWith("/sessions/passkey"));
  await page.click("#passkey-sign-in");
  expect((await signedIn).status()).toBe(200);
  await page.waitForURL(`${service.url}/account/profile`);
  await expect(page.locator("body").textContent()).resolves.toContain(email);
  const { credentials: used } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  expect(used[0]!.signCount).toBeGreaterThan(signCountAfterAdding);

  // "Confirm it is you" with the passkey, then back where the person was going.
  await page.goto(`${service.url}/account/reauthenticate?next=%2Faccount%2Fsessions`);
  await fitsPhone(page);
  const confirmed = page.waitForResponse((r) => r.url().endsWith("/profile/reauthenticate"));
  await page.click("#passkey-reauth");
  // (Its body is gone with the page the script leaves: the status says it.)
  expect((await confirmed).status()).toBe(200);
  await page.waitForURL(`${service.url}/account/sessions`);

  // Removing it from the page: gone from the list (the authenticator keeps its copy, which now signs nobody in).
  await page.goto(`${service.url}/account/passkeys`);
  await page.click("[data-passkey-id] button[type=submit]");
  await page.waitForURL(`${service.url}/account/passkeys`);
  await expect(page.locator("[data-passkey-id]").count()).resolves.toBe(0);
  await context.clearCookies();
  await page.goto(`${service.url}/account/login`);
  const refused = page.waitForResponse((r) => r.url().endsWith("/sessions/passkey"));
  await page.click("#passkey-sign-in");
  expect((await refused).status()).toBe(400);
  await page.waitForSelector("#passkey-error:not([hidden])");
  await expect(page.locator("#passkey-error").textContent()).resolves.toContain("passkey not accepted");
  expect(page.url()).toBe(`${service.url}/account/login`);
  await context.close();
});

it("a browser whose authenticator cannot verify its user is not signed in by its passkey", async () => {
  const { context, page, cdp, authenticatorId } = await withAuthenticator();
  const email = `passkey-nouv-${Date.now()}@example.com`;
  await registerAndLogIn(page, email, "a-long-password");
  await page.goto(`${service.url}/account/passkeys`);
  const added = page.waitForResponse((r) => r.url().endsWith("/profile/passkeys") && r.request().method() === "POST");
  await page.click("#passkey-add");
  expect((await added).status()).toBe(201);
  // The script reloads the list once the passkey is added: let it finish before going elsewhere.
  await page.waitForSelector("[data-passkey-id]");
  // The device can no longer check who holds it (no PIN, no fingerprint).
  await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: false });
  await context.clearCookies();
  await page.goto(`${service.url}/account/login`);
  await page.click("#passkey-sign-in");
  await page.waitForSelector("#passkey-error:not([hidden])");
  expect(page.url()).toBe(`${service.url}/account/login`);
  await context.close();
});

it("the login, two-factor and re-authentication pages fit a 390 px phone", async () => {
  const { context, page } = await withAuthenticator();
  await registerAndLogIn(page, `phone-${Date.now()}@example.com`, "a-long-password");
  for (const at of ["/account/two-factor", "/account/passkeys", "/account/reauthenticate", "/account/profile"]) {
    await page.goto(`${service.url}${at}`);
    await fitsPhone(page);
  }
  await page.goto(`${service.url}/account/two-factor`);
  await page.fill("#password", "a-long-password");
  await page.click("button[type=submit]");
  // The QR code is an inline SVG made by the Worker (the pages' CSP allows no data: images).
  await expect(page.locator("svg").count()).resolves.toBeGreaterThan(0);
  await fitsPhone(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, "two-factor-390.png"), fullPage: true });
  await context.close();
});
