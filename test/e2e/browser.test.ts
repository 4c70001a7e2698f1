import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser-path.js";
import { startService } from "./local-service.js";

const SCREENSHOTS = path.resolve("test-output/screenshots");

let service: Awaited<ReturnType<typeof startService>>;
let browser: Browser;

beforeAll(async () => {
  // CHROMIUM_PATH, or what scripts/ensure-browser.mjs (npm's pretest) found or installed; nothing is downloaded.
  mkdirSync(SCREENSHOTS, { recursive: true });
  service = await startService();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

it("a person registers, logs in, sees the profile, logs out, resets the password and logs in again", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = `person-${Date.now()}@example.com`;

  await page.goto(`${service.url}/account/register`);
  await shot(page, "01-register");
  await page.fill("#email", email);
  await page.fill("#password", "first-password");
  await page.click("button[type=submit]");
  expect(page.url()).toBe(`${service.url}/account/login?registered=1`);
  await expect(page.locator(".notice").textContent()).resolves.toContain("Account created");
  // The address just registered is filled in (from a short-lived cookie, never the URL).
  await expect(page.inputValue("#email")).resolves.toBe(email);
  await shot(page, "02-login-after-register");

  await page.fill("#password", "wrong-password");
  await page.click("button[type=submit]");
  await expect(page.locator(".error").textContent()).resolves.toContain("The email address or the password is wrong.");
  await expect(page.inputValue("#email")).resolves.toBe(email);
  await shot(page, "03-login-error");

  await page.fill("#password", "first-password");
  await page.click("button[type=submit]");
  expect(page.url()).toBe(`${service.url}/account/profile`);
  await expect(page.locator("#profile-email").textContent()).resolves.toBe(email);
  const cookies = await context.cookies();
  expect(cookies.find((c) => c.name === "session_id")).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
  await shot(page, "04-profile");

  await page.click("text=Log out");
  expect(page.url()).toBe(`${service.url}/account/login?logged_out=1`);
  await page.goto(`${service.url}/account/profile`);
  expect(page.url()).toBe(`${service.url}/account/login`);

  await page.click("text=Forgot your password?");
  await shot(page, "05-forgot");
  await page.fill("#email", email);
  await page.click("button[type=submit]");
  const token = (await page.locator("#reset-token").textContent())?.trim();
  expect(token).toMatch(/^[0-9a-f-]{36}$/);
  await expect(page.content()).resolves.toContain("shows reset tokens here instead of mailing them");
  await shot(page, "06-token");

  await expect(page.inputValue("#email")).resolves.toBe(email);
  await expect(page.inputValue("#reset_token")).resolves.toBe(token);
  expect(page.url()).not.toContain(token!);
  await page.fill("#new_password", "second-password");
  await shot(page, "07-token-with-reset-form-filled");
  await page.click("button[type=submit]");
  await expect(page.locator("h1").textContent()).resolves.toBe("Password updated");
  await shot(page, "08-password-updated");

  await page.click("text=Log in with your new password");
  await page.fill("#email", email);
  await page.fill("#password", "first-password");
  await page.click("button[type=submit]");
  await expect(page.locator(".error").textContent()).resolves.toContain("The email address or the password is wrong.");
  await page.fill("#password", "second-password");
  await page.click("button[type=submit]");
  expect(page.url()).toBe(`${service.url}/account/profile`);
  await expect(page.locator("#profile-email").textContent()).resolves.toBe(email);
  await context.close();
});

it("the reused reset token is refused with a clear message", async () => {
  const page = await browser.newPage();
  const email = `token-${Date.now()}@example.com`;
  await page.goto(`${service.url}/account/register`);
  await page.fill("#email", email);
  await page.fill("#password", "pw");
  await page.click("button[type=submit]");
  await page.goto(`${service.url}/account/forgot`);
  await page.fill("#email", email);
  await page.click("button[type=submit]");
  const token = (await page.locator("#reset-token").textContent())!.trim();
  await page.fill("#new_password", "new-pw");
  await page.click("button[type=submit]");
  await page.goto(`${service.url}/account/reset`);
  await page.fill("#email", email);
  await page.fill("#reset_token", token);
  await page.fill("#new_password", "another");
  await page.click("button[type=submit]");
  await expect(page.locator(".error").textContent()).resolves.toContain("This reset token does not work");
  await shot(page, "09-reset-error");
  await page.close();
});

/** Swagger UI's list of operations, as "METHOD /path". */
async function listedOperations(page: Page): Promise<string[]> {
  await page.waitForSelector(".opblock-summary-method");
  return page.$$eval(".opblock", (blocks) =>
    blocks.map(
      (block) =>
        `${block.querySelector(".opblock-summary-method")?.textContent?.trim()} ${block.querySelector(".opblock-summary-path")?.getAttribute("data-path")}`,
    ),
  );
}

it("the interactive API reference works offline: every route listed, a request sent from it, no script errors", async () => {
  const context = await browser.newContext({ javaScriptEnabled: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${service.url}/docs`);

  const doc = (await (await fetch(`${service.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const documented = Object.entries(doc.paths).flatMap(([route, methods]) =>
    Object.keys(methods).map((m) => `${m.toUpperCase()} ${route}`),
  );
  expect((await listedOperations(page)).sort()).toEqual(documented.sort());
  await shot(page, "10-docs");

  // Try it: GET / from the reference, answered by this service.
  const welcome = page.locator(".opblock").filter({ has: page.locator('.opblock-summary-path[data-path="/"]') });
  await welcome.locator(".opblock-summary").click();
  await welcome.locator("button.try-out__btn").click();
  await welcome.locator("button.execute").click();
  await expect(welcome.locator(".live-responses-table tbody .response-col_status").first().textContent()).resolves.toContain("200");
  await expect(welcome.locator(".live-responses-table tbody .response-col_description").first().textContent()).resolves.toContain(
    "Bienvenue",
  );
  await shot(page, "11-docs-try-it");

  expect(requests.filter((url) => !url.startsWith(service.url))).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

it("the API reference fits a phone's width", async () => {
  const context = await browser.newContext({ javaScriptEnabled: true, viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  await page.goto(`${service.url}/docs`);
  await listedOperations(page);
  // Open one operation too: its tables and examples must not push the page sideways.
  await page
    .locator(".opblock")
    .filter({ has: page.locator('.opblock-summary-path[data-path="/users"]') })
    .locator(".opblock-summary")
    .click();
  await page.waitForSelector(".opblock-body");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  await shot(page, "12-docs-phone");
  expect(width).toBeLessThanOrEqual(390);
  await context.close();
});

it("the sessions page fits a 390 px phone: nothing overflows, no button's words are broken", async () => {
  const email = `phone-${Date.now()}@example.com`;
  await fetch(`${service.url}/users`, { method: "POST", body: new URLSearchParams({ email, password: "pw" }) });
  // Another device, so the list has a "Log out" button and the "Log out everywhere else" one.
  await fetch(`${service.url}/sessions`, {
    method: "POST",
    body: new URLSearchParams({ email, password: "pw" }),
    headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0" },
  });
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  await page.goto(`${service.url}/account/login`);
  await page.fill("#email", email);
  await page.fill("#password", "pw");
  await page.click("button[type=submit]");
  await page.goto(`${service.url}/account/sessions`);
  await shot(page, "13b-sessions-phone");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // Each button's label and "This device" on one line (the review saw "Lo / o", "Thi / dev").
  const broken = await page.evaluate(() =>
    Array.from(document.querySelectorAll("button, td strong"))
      .filter((element) => {
        const range = document.createRange();
        range.selectNodeContents(element);
        return range.getClientRects().length > 1 || element.scrollWidth > element.clientWidth + 1;
      })
      .map((element) => element.textContent),
  );
  expect(broken).toEqual([]);
  await context.close();
});

it("two browsers, one account: see both sessions, end the other; change the password; delete the account", async () => {
  const laptop = await browser.newContext({ javaScriptEnabled: false });
  const phone = await browser.newContext({
    javaScriptEnabled: false,
    userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1",
  });
  const a = await laptop.newPage();
  const b = await phone.newPage();
  const email = `two-${Date.now()}@example.com`;

  await a.goto(`${service.url}/account/register`);
  await a.fill("#email", email);
  await a.fill("#password", "first-password");
  await a.click("button[type=submit]");
  const logIn = async (page: Page, password: string) => {
    await page.goto(`${service.url}/account/login`);
    await page.fill("#email", email);
    await page.fill("#password", password);
    await page.click("button[type=submit]");
    expect(page.url()).toBe(`${service.url}/account/profile`);
  };
  await logIn(a, "first-password");
  await logIn(b, "first-password");

  // The laptop sees both sessions and logs the phone out.
  await a.click("text=Where you are logged in");
  expect(a.url()).toBe(`${service.url}/account/sessions`);
  await expect(a.locator("#sessions tr[data-session]").count()).resolves.toBe(2);
  await expect(a.locator("#sessions").textContent()).resolves.toContain("Safari on iPhone");
  await shot(a, "13-sessions");
  await a.locator("#sessions tr[data-session]", { hasText: "Safari on iPhone" }).locator("button").click();
  await expect(a.locator(".notice").textContent()).resolves.toContain("That session was logged out.");
  await b.goto(`${service.url}/account/profile`);
  expect(b.url()).toBe(`${service.url}/account/login`);

  // The phone logs in again; the laptop changes the password; the phone is logged out.
  await logIn(b, "first-password");
  await a.goto(`${service.url}/account/password`);
  await a.fill("#current_password", "first-password");
  await a.fill("#new_password", "second-password");
  await a.click("button[type=submit]");
  await expect(a.locator("h1").textContent()).resolves.toBe("Password changed");
  await shot(a, "14-password-changed");
  await b.goto(`${service.url}/account/profile`);
  expect(b.url()).toBe(`${service.url}/account/login`);
  await a.goto(`${service.url}/account/profile`);
  expect(a.url()).toBe(`${service.url}/account/profile`);

  // The laptop deletes the account; the address registers again.
  await a.goto(`${service.url}/account/delete`);
  await a.fill("#password", "second-password");
  await a.click("button[type=submit]");
  await expect(a.locator("h1").textContent()).resolves.toBe("Account deleted");
  await shot(a, "15-account-deleted");
  await a.goto(`${service.url}/account/register`);
  await a.fill("#email", email);
  await a.fill("#password", "third-password");
  await a.click("button[type=submit]");
  expect(a.url()).toBe(`${service.url}/account/login?registered=1`);
  await laptop.close();
  await phone.close();
});

describe("mail, end to end: the local EMAIL binding's files, read like an inbox", () => {
  let mailService: Awaited<ReturnType<typeof startService>>;
  const lines: string[] = [];

  beforeAll(async () => {
    mailService = await startService({
      vars: { RESET_TOKEN_DELIVERY: "email", MAIL_TRANSPORT: "email-service" },
      onLog: (message) => lines.push(message),
    });
  });
  afterAll(async () => {
    await mailService?.stop();
  });

  /** The link in the newest mail to `to` with `subject`, from the text file Miniflare wrote. */
  async function linkFrom(to: string, subject: string, path: string): Promise<string> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const message = [...lines].reverse().find((line) => line.includes(`To: ${to}`) && line.includes(`Subject: ${subject}`));
      const file = message && /Text: (\S+\.txt)/.exec(message)?.[1];
      if (file) {
        const link = new RegExp(`(http://localhost:\\d+${path}\\?token=[\\w%-]+)`).exec(readFileSync(file, "utf8"))?.[1];
        if (link) return link;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no mail "${subject}" to ${to}`);
  }

  it("registers, follows the verification link from the mail, then resets the password by mail and logs in", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const email = `mail-${Date.now()}@example.com`;
    await page.goto(`${mailService.url}/account/register`);
    await page.fill("#email", email);
    await page.fill("#password", "first-password");
    await page.click("button[type=submit]");

    await page.goto(await linkFrom(email, "Confirm your address for edge-auth", "/account/verify"));
    await page.click("button[type=submit]");
    await expect(page.locator("h1").textContent()).resolves.toBe("Address verified");

    await page.goto(`${mailService.url}/account/forgot`);
    await page.fill("#email", email);
    await page.click("button[type=submit]");
    await expect(page.locator("h1").textContent()).resolves.toBe("Check your mail");
    await shot(page, "16-check-your-mail");
    const link = await linkFrom(email, "Reset your edge-auth password", "/account/reset");
    await page.goto(link);
    await shot(page, "17-reset-from-mail");
    await page.fill("#new_password", "second-password");
    await page.click("button[type=submit]");
    await expect(page.locator("h1").textContent()).resolves.toBe("Password updated");
    // The link worked once.
    await page.goto(link);
    await page.fill("#new_password", "third-password");
    await page.click("button[type=submit]");
    // A used link: the way to a new one, not a form asking for an address and a token.
    await expect(page.locator("h1").textContent()).resolves.toBe("This link no longer works");
    await expect(page.locator(".error").textContent()).resolves.toContain("This reset link does not work any more");
    expect(await page.locator("#reset_token, #email").count()).toBe(0);
    await page.click("text=Get a new link");
    expect(page.url()).toBe(`${mailService.url}/account/forgot`);

    await page.goto(`${mailService.url}/account/login`);
    await page.fill("#email", email);
    await page.fill("#password", "second-password");
    await page.click("button[type=submit]");
    await expect(page.locator("#profile-email").textContent()).resolves.toBe(email);
    await context.close();
  });
});
