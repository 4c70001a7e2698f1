import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LINK_MAILS_PER_ADDRESS_PER_HOUR, PASSWORD_CHANGES_PER_HOUR } from "../../src/db/mail-counts";
import { mailTo, tokenOf, withMail } from "../mail";
import { addressDigest } from "../../src/auth/tokens";
import { call, loggedIn, makeAuth, register, uniqueEmail } from "../helpers";

/**
 * Outside review 3, item 3: every POST /reset_password replaced the last token, so anyone could
 * keep the owner's link dead, and one address got 562 mails in a run. In `email` delivery a link
 * now stays valid until used or expired, and link mails per address are capped in D1.
 */

const tokenRows = async (email: string, purpose: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM email_tokens WHERE user_id = (SELECT id FROM users WHERE email = ?) AND purpose = ?")
    .bind(email, purpose)
    .first<{ n: number }>())!.n;

describe("reset links in email delivery", () => {
  it("stay valid whatever later requests do; using one ends them all", async () => {
    const mail = withMail({ RESET_TOKEN_DELIVERY: "email" });
    const email = uniqueEmail();
    await register(email, "old");
    for (let i = 0; i < 3; i++) await mail.send("POST", "/reset_password", { form: { email } });
    const links = mailTo(mail.sent, email).map((m) => tokenOf(m, "/account/reset"));
    expect(new Set(links).size).toBe(3);
    // The first link still works after two more were asked for (someone else asking cannot kill it).
    expect((await mail.send("PUT", "/reset_password", { form: { email, reset_token: links[0]!, new_password: "new" } })).status).toBe(200);
    for (const reset_token of links) {
      expect((await mail.send("PUT", "/reset_password", { form: { email, reset_token, new_password: "again" } })).status).toBe(403);
    }
    expect(await tokenRows(email, "reset")).toBe(0);
  });

  it(`are capped at ${LINK_MAILS_PER_ADDRESS_PER_HOUR} an hour per address: past it, no token, no mail, the same answer`, async () => {
    const mail = withMail({ RESET_TOKEN_DELIVERY: "email" });
    const email = uniqueEmail();
    await register(email, "old");
    const answers: string[] = [];
    for (let i = 0; i < LINK_MAILS_PER_ADDRESS_PER_HOUR + 3; i++) {
      const response = await mail.send("POST", "/reset_password", { form: { email } });
      expect(response.status).toBe(200);
      answers.push(await response.text());
    }
    expect(new Set(answers).size).toBe(1);
    expect(mailTo(mail.sent, email)).toHaveLength(LINK_MAILS_PER_ADDRESS_PER_HOUR);
    expect(await tokenRows(email, "reset")).toBe(LINK_MAILS_PER_ADDRESS_PER_HOUR);
    // An hour later the address may get links again.
    await env.DB.prepare("UPDATE mail_counts SET window_start = window_start - 3600 WHERE address_hash = ?")
      .bind(await addressDigest(email))
      .run();
    await mail.send("POST", "/reset_password", { form: { email } });
    expect(mailTo(mail.sent, email)).toHaveLength(LINK_MAILS_PER_ADDRESS_PER_HOUR + 1);
  });

  it("an unknown address leaves no count behind (nothing to flood, nothing kept)", async () => {
    const mail = withMail({ RESET_TOKEN_DELIVERY: "email" });
    const nobody = uniqueEmail("nobody");
    await mail.send("POST", "/reset_password", { form: { email: nobody } });
    const row = await env.DB.prepare("SELECT * FROM mail_counts WHERE address_hash = ?")
      .bind(await addressDigest(nobody))
      .first();
    expect(row).toBeNull();
  });

  it("the seed's response mode keeps its behaviour: asking again replaces the token", async () => {
    const email = uniqueEmail();
    await register(email, "old");
    const ask = async () =>
      ((await (await call("POST", "/reset_password", { form: { email } })).json()) as { reset_token: string }).reset_token;
    const first = await ask();
    const second = await ask();
    expect((await call("PUT", "/reset_password", { form: { email, reset_token: first, new_password: "x" } })).status).toBe(403);
    expect((await call("PUT", "/reset_password", { form: { email, reset_token: second, new_password: "x" } })).status).toBe(200);
  });
});

describe("verification and address-change links share the cap; notices never count", () => {
  it("verification mails to one address are capped, and earlier links keep working", async () => {
    const mail = withMail();
    const email = uniqueEmail();
    await mail.send("POST", "/users", { form: { email, password: "pw" } });
    for (let i = 0; i < LINK_MAILS_PER_ADDRESS_PER_HOUR + 2; i++) {
      expect((await mail.send("POST", "/verify_email/resend", { form: { email } })).status).toBe(200);
    }
    const sent = mailTo(mail.sent, email);
    expect(sent).toHaveLength(LINK_MAILS_PER_ADDRESS_PER_HOUR);
    expect((await mail.send("POST", "/verify_email", { form: { token: tokenOf(sent[0], "/account/verify") } })).status).toBe(200);
  });

  it("confirmations to a new address are capped; past the cap nothing is stored, and the answer is the same", async () => {
    const mail = withMail();
    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    const target = uniqueEmail("target");
    const answers = new Set<string>();
    for (let i = 0; i < LINK_MAILS_PER_ADDRESS_PER_HOUR + 2; i++) {
      const response = await mail.send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: target } });
      expect(response.status).toBe(200);
      answers.add(await response.text());
    }
    expect(answers.size).toBe(1);
    expect(mailTo(mail.sent, target)).toHaveLength(LINK_MAILS_PER_ADDRESS_PER_HOUR);
  });

  it("security notices are never capped", async () => {
    const mail = withMail({ RESET_TOKEN_DELIVERY: "email" });
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw0");
    for (let i = 0; i < LINK_MAILS_PER_ADDRESS_PER_HOUR + 1; i++) await mail.send("POST", "/reset_password", { form: { email } });
    let password = "pw0";
    let session = cookie;
    for (let i = 1; i <= 3; i++) {
      const changed = await mail.send("PUT", "/profile/password", {
        cookie: session,
        form: { current_password: password, new_password: `pw${i}` },
      });
      expect(changed.status).toBe(200);
      session = `session_id=${/session_id=([^;]+)/.exec(changed.headers.get("set-cookie")!)![1]}`;
      password = `pw${i}`;
    }
    expect(mailTo(mail.sent, email).filter((m) => m.subject === "Your edge-auth password was changed")).toHaveLength(3);
  });
});

it("the daily clean-up drops the counts of hours that have ended", async () => {
  const mail = withMail({ RESET_TOKEN_DELIVERY: "email" });
  const email = uniqueEmail();
  await register(email, "pw");
  await mail.send("POST", "/reset_password", { form: { email } });
  const hash = await addressDigest(email);
  const count = async () =>
    (await env.DB.prepare("SELECT count(*) AS n FROM mail_counts WHERE address_hash = ?").bind(hash).first<{ n: number }>())!.n;
  await makeAuth().cleanUp();
  expect(await count()).toBe(1);
  await env.DB.prepare("UPDATE mail_counts SET window_start = window_start - 7200 WHERE address_hash = ?").bind(hash).run();
  await makeAuth().cleanUp();
  expect(await count()).toBe(0);
});

describe("outside review of #18: notices nobody can turn into a flood", () => {
  it("address-change requests are capped by the current address too (its notice carries a cancel link)", async () => {
    const mail = withMail();
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw");
    for (let i = 0; i < LINK_MAILS_PER_ADDRESS_PER_HOUR + 3; i++) {
      const response = await mail.send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: uniqueEmail(`sink${i}`) } });
      expect(response.status).toBe(200);
    }
    expect(mailTo(mail.sent, email)).toHaveLength(LINK_MAILS_PER_ADDRESS_PER_HOUR);
    expect(mail.sent).toHaveLength(2 * LINK_MAILS_PER_ADDRESS_PER_HOUR);
  });

  it(`password changes are limited to ${PASSWORD_CHANGES_PER_HOUR} an hour per account: then 429, the notice of each change still sent`, async () => {
    const mail = withMail();
    const account = await loggedIn(uniqueEmail(), "pw0");
    const email = account.email;
    let cookie = account.cookie;
    let password = "pw0";
    for (let i = 1; i <= PASSWORD_CHANGES_PER_HOUR; i++) {
      const changed = await mail.send("PUT", "/profile/password", { cookie, form: { current_password: password, new_password: `pw${i}` } });
      expect(changed.status).toBe(200);
      cookie = `session_id=${/session_id=([^;]+)/.exec(changed.headers.get("set-cookie")!)![1]}`;
      password = `pw${i}`;
    }
    const limited = await mail.send("PUT", "/profile/password", { cookie, form: { current_password: password, new_password: "one-more" } });
    expect([limited.status, await limited.json()]).toEqual([429, { message: "too many password changes: try again later" }]);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(3000);
    expect(mailTo(mail.sent, email).filter((m) => m.subject === "Your edge-auth password was changed")).toHaveLength(
      PASSWORD_CHANGES_PER_HOUR,
    );
    // Nothing changed, and the right password left no backoff behind: logging in works at once.
    expect((await call("POST", "/sessions", { form: { email, password } })).status).toBe(200);
    // The page says it in words.
    const page = await mail.send("POST", "/account/password", {
      cookie,
      form: { current_password: password, new_password: "one-more" },
      headers: { origin: "http://localhost", "sec-fetch-site": "same-origin" },
    });
    expect(page.status).toBe(429);
    expect(await page.text()).toContain("Your password was changed several times in the last hour");
  });
});
