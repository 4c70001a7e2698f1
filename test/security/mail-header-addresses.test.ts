import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { MAIL_VARS, mailTo, withMail } from "../mail";
import { call, loggedIn, sessionCookieOf, uniqueEmail } from "../helpers";

/**
 * Outside review 3, item 5: `victim<attacker@evil.example>`, `bcc:x@evil.example` and
 * `"v"<x@evil.example>` were accepted and went unparsed into a mail's `To`. Registration and
 * address changes now take a plain addr-spec only, and mail never goes to anything else; older
 * accounts with such an address still log in and are asked to change it.
 */

const HOSTILE = [
  "=?utf-8?q?attacker=40evil.test=3e=00?=x@example.com",
  "a@localhost",
  "a@1.2.3.4",
  "a@123",
  "-x@-",
  "a@--.--",
  "a@xn--bcher-kva.example",
  "victim<attacker@evil.example>",
  "bcc:x@evil.example",
  '"v"<x@evil.example>',
  "a b@example.com",
  "v,x@evil.example",
  "v;x@evil.example",
  "v(x)@evil.example",
  "v\\x@evil.example",
  "v@[127.0.0.1]",
];
const SAME_SITE = { origin: "http://localhost", "sec-fetch-site": "same-origin" };

describe("a plain addr-spec only, for registration and a new address", () => {
  it.each(HOSTILE)("POST /users refuses %s with a 400 naming the rule", async (email) => {
    const mail = withMail();
    const response = await mail.send("POST", "/users", { form: { email, password: "pw" } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /^email (must be a plain address such as name@example.com: no display name, quotes, comments, spaces or any of <>\(\)\[\],;:\\"|is not a valid email address)$/,
    );
    expect(mail.sent).toHaveLength(0);
  });

  it.each(HOSTILE)("PUT /profile/email refuses %s", async (newEmail) => {
    const mail = withMail();
    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    const response = await mail.send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: newEmail } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/^new_email /);
    expect(mail.sent).toHaveLength(0);
  });

  it("the registration page says so in words and keeps the form", async () => {
    const page = await call("POST", "/account/register", {
      form: { email: "victim<attacker@evil.example>", password: "pw" },
      headers: SAME_SITE,
    });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("Enter a valid email address");
  });

  it("plain addresses with the characters the rule allows still register", async () => {
    for (const local of ["o'neil", "a&b", "x+tag", "first.last", "j\u00f6rg"]) {
      const email = `${local}-${crypto.randomUUID().slice(0, 6)}@example.com`;
      expect((await call("POST", "/users", { form: { email, password: "pw" } })).status).toBe(200);
    }
  });
});

describe("an older account whose address is outside the rule", () => {
  async function legacyAccount() {
    const email = `"legacy"<${crypto.randomUUID().slice(0, 8)}@example.com>`;
    const seed = await call("POST", "/users", { form: { email: uniqueEmail(), password: "pw" } });
    expect(seed.status).toBe(200);
    // As an account made before the rule: the row is put in place directly.
    const hash = (await env.DB.prepare("SELECT hashed_password AS h FROM users ORDER BY id DESC LIMIT 1").first<{ h: string }>())!.h;
    await env.DB.prepare("INSERT INTO users (email, hashed_password) VALUES (?, ?)").bind(email, hash).run();
    return email;
  }

  it("still logs in, and its profile page asks for a plain address", async () => {
    const email = await legacyAccount();
    const login = await call("POST", "/sessions", { form: { email, password: "pw" } });
    expect(login.status).toBe(200);
    const cookie = `session_id=${sessionCookieOf(login)}`;
    const html = await (await call("GET", "/account/profile", { cookie, vars: MAIL_VARS })).text();
    expect(html).toContain("Your address cannot receive mail safely");
    expect(html).toContain('<a href="/account/email">Change it to a plain address</a>');
    // Without mail there is no way to confirm a new address: the page says whom to ask.
    expect(await (await call("GET", "/account/profile", { cookie })).text()).toContain("Ask the people who run this service to change it");
  });

  it("is never sent mail: a reset link, a notice, nothing (the answers stay the same)", async () => {
    const mail = withMail({ RESET_TOKEN_DELIVERY: "email" });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const email = await legacyAccount();
    const known = await mail.send("POST", "/reset_password", { form: { email } });
    const unknown = await mail.send("POST", "/reset_password", { form: { email: uniqueEmail() } });
    expect(known.status).toBe(200);
    expect(Object.keys(await known.json())).toEqual(Object.keys(await unknown.json()));
    const cookie = `session_id=${sessionCookieOf(await call("POST", "/sessions", { form: { email, password: "pw" } }))}`;
    expect((await mail.send("PUT", "/profile/password", { cookie, form: { current_password: "pw", new_password: "pw2" } })).status).toBe(
      200,
    );
    expect(mailTo(mail.sent, email)).toHaveLength(0);
    expect(mail.sent).toHaveLength(0);
    // What was not sent is said in the log, without the address.
    const lines = warn.mock.calls.map((args) => String(args[0]));
    warn.mockRestore();
    expect(lines.some((line) => line.includes('"reason":"not a plain address"'))).toBe(true);
    expect(lines.join("\n")).not.toContain("legacy");
  });

  it("can move to a plain address", async () => {
    const mail = withMail();
    const email = await legacyAccount();
    const cookie = `session_id=${sessionCookieOf(await call("POST", "/sessions", { form: { email, password: "pw" } }))}`;
    const newEmail = uniqueEmail("plain");
    expect((await mail.send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: newEmail } })).status).toBe(200);
    expect(mailTo(mail.sent, newEmail)).toHaveLength(1);
  });
});
