import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAIL_VARS, tokenOf, withMail } from "../mail";
import { call, loggedIn, randomIp, register, sessionCookieOf, uniqueEmail } from "../helpers";

afterEach(() => vi.restoreAllMocks());

describe("RESET_TOKEN_DELIVERY=response (the seed's contract) is unchanged with mail on", () => {
  it("answers with the token; registration also mails a verification link, after the same answer", async () => {
    const { sent, send } = withMail();
    const email = uniqueEmail();
    const registered = await send("POST", "/users", { form: { email, password: "pw" } });
    expect(await registered.json()).toEqual({ email, message: "user created" });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ from: MAIL_VARS.MAIL_FROM, to: email, subject: "Confirm your address for edge-auth" });
    const reset = await send("POST", "/reset_password", { form: { email } });
    expect(Object.keys(await reset.json()).sort()).toEqual(["email", "reset_token"]);
  });
});

describe("RESET_TOKEN_DELIVERY=email", () => {
  it("answers the same for known and unknown addresses; only the owner gets a link, which works once", async () => {
    const { sent, send } = withMail({ RESET_TOKEN_DELIVERY: "email" });
    const email = uniqueEmail();
    await register(email, "old");
    const known = await send("POST", "/reset_password", { form: { email } });
    const unknownEmail = uniqueEmail();
    const unknown = await send("POST", "/reset_password", { form: { email: unknownEmail } });
    const body = (r: unknown) => JSON.stringify({ ...(r as object), email: "*" });
    expect([known.status, unknown.status]).toEqual([200, 200]);
    expect(body(await known.json())).toBe(body(await unknown.json()));
    expect(sent.map((m) => m.to)).toEqual([email]);
    expect(sent[0]!.subject).toBe("Reset your edge-auth password");
    expect(sent[0]!.text).toContain("within 60 minutes");
    expect(sent[0]!.text).toContain("If you did not ask for this");

    const reset_token = tokenOf(sent[0], "/account/reset");
    const put = await send("PUT", "/reset_password", { form: { email, reset_token, new_password: "new-pw" } });
    expect(put.status).toBe(200);
    expect((await send("PUT", "/reset_password", { form: { email, reset_token, new_password: "again" } })).status).toBe(403);
    // The owner is told, in a notice of its own.
    expect(sent.at(-1)).toMatchObject({ to: email, subject: "Your edge-auth password was reset" });
  });

  it("the link's page keeps the token out of referrers, logs and links, and sets the password without asking the address", async () => {
    const { sent, send } = withMail({ RESET_TOKEN_DELIVERY: "email", LOG_REQUESTS: "true" });
    const email = uniqueEmail();
    await register(email, "old");
    await send("POST", "/account/forgot", { form: { email }, headers: { origin: "http://localhost", "sec-fetch-site": "same-origin" } });
    const token = tokenOf(sent[0], "/account/reset");
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const page = await send("GET", `/account/reset?token=${encodeURIComponent(token)}`);
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).toContain(`<input type="hidden" name="reset_token" value="${token}"`);
    expect(html).not.toContain('name="email"');
    expect(html.match(new RegExp(token, "g"))).toHaveLength(1);
    // The form posts with Origin: null (no-referrer); Sec-Fetch-Site says it is this site's.
    const done = await send("POST", "/account/reset", {
      form: { reset_token: token, new_password: "new-pw" },
      headers: { origin: "null", "sec-fetch-site": "same-origin" },
    });
    expect(done.status).toBe(200);
    expect(lines.join("\n")).not.toContain(token);
    expect((await call("POST", "/sessions", { form: { email, password: "new-pw" } })).status).toBe(200);
    // Origin: null from anywhere else is still refused.
    expect(
      (await send("POST", "/account/reset", { form: { reset_token: token, new_password: "x" }, headers: { origin: "null" } })).status,
    ).toBe(403);
  });

  it("the forgot page says to check the mail, the same for every address", async () => {
    const { send } = withMail({ RESET_TOKEN_DELIVERY: "email" });
    const headers = { origin: "http://localhost", "sec-fetch-site": "same-origin" };
    const known = uniqueEmail();
    await register(known);
    const a = await (await send("POST", "/account/forgot", { form: { email: known }, headers })).text();
    const b = await (await send("POST", "/account/forgot", { form: { email: uniqueEmail() }, headers })).text();
    expect(a).toContain("Check your mail");
    expect(a).toBe(b);
    expect(await (await send("GET", "/account/forgot")).text()).toContain("we will mail you a link");
  });
});

describe("verified addresses", () => {
  it("registration mails a link; following it verifies the address, once", async () => {
    const { sent, send } = withMail();
    const email = uniqueEmail();
    await send("POST", "/users", { form: { email, password: "pw" } });
    const token = tokenOf(sent[0], "/account/verify");
    const verified = await send("POST", "/verify_email", { form: { token } });
    expect(await verified.json()).toEqual({ email, message: "email verified" });
    const row = await env.DB.prepare("SELECT email_verified_at AS at FROM users WHERE email = ?").bind(email).first<{ at: number }>();
    expect(row!.at).toBeGreaterThan(1_700_000_000);
    const again = await send("POST", "/verify_email", { form: { token } });
    expect([again.status, await again.json()]).toEqual([403, { message: "invalid or expired link" }]);
  });

  it("a new link on request: the same answer for any address; mail only for an unverified account", async () => {
    const { sent, send } = withMail();
    const email = uniqueEmail();
    await send("POST", "/users", { form: { email, password: "pw" } });
    const first = tokenOf(sent[0], "/account/verify");
    const answers = [
      await send("POST", "/verify_email/resend", { form: { email } }),
      await send("POST", "/verify_email/resend", { form: { email: uniqueEmail() } }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(sent).toHaveLength(2);
    // Asking again never ends the link already in the mailbox; using one ends them all.
    expect((await send("POST", "/verify_email", { form: { token: first } })).status).toBe(200);
    expect((await send("POST", "/verify_email", { form: { token: tokenOf(sent[1], "/account/verify") } })).status).toBe(403);
    await send("POST", "/verify_email/resend", { form: { email } });
    expect(sent).toHaveLength(2);
  });

  it("REQUIRE_EMAIL_VERIFICATION: an unverified address cannot log in until it is verified; a wrong password learns nothing", async () => {
    const { sent, send } = withMail({ REQUIRE_EMAIL_VERIFICATION: "true" });
    const email = uniqueEmail();
    await send("POST", "/users", { form: { email, password: "pw" } });
    const refused = await send("POST", "/sessions", { form: { email, password: "pw" } });
    expect([refused.status, (await refused.json()) as unknown]).toEqual([
      403,
      { message: "email not verified: follow the link in the verification mail, or ask for a new one" },
    ]);
    expect((await send("POST", "/sessions", { form: { email, password: "wrong" } })).status).toBe(401);
    await send("POST", "/verify_email", { form: { token: tokenOf(sent[0], "/account/verify") } });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the wrong password's 1 s wait
    expect((await send("POST", "/sessions", { form: { email, password: "pw" } })).status).toBe(200);
  });
});

describe("changing the address", () => {
  it("mails a link to the new address; the change happens when it is followed, and the old address is told", async () => {
    const { sent, send } = withMail();
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw");
    const newEmail = uniqueEmail("moved");
    const asked = await send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: newEmail } });
    expect(await asked.json()).toEqual({ email, new_email: newEmail, message: "confirmation link sent to the new address" });
    // The current address is told, with a link that cancels the change.
    expect(sent.map((m) => m.to)).toEqual([email, newEmail]);
    expect(sent[0]).toMatchObject({ subject: "Someone asked to change the address of your edge-auth account" });
    expect(sent[0]!.text).toContain(newEmail);
    tokenOf(sent[0], "/account/email/cancel");
    expect(await (await call("GET", "/profile", { cookie })).json()).toEqual({ email });

    const confirmed = await send("POST", "/confirm_email", { form: { token: tokenOf(sent[1], "/account/email/confirm") } });
    expect(await confirmed.json()).toEqual({ email: newEmail, message: "email changed" });
    expect(await (await call("GET", "/profile", { cookie })).json()).toEqual({ email: newEmail });
    expect(sent.at(-1)).toMatchObject({ to: email, subject: "The address of your edge-auth account was changed" });
    expect(sent.at(-1)!.text).toContain(newEmail);
    expect((await call("POST", "/sessions", { form: { email: newEmail, password: "pw" } })).status).toBe(200);
  });

  it("changes nothing if someone registered the new address meanwhile, or with a wrong password", async () => {
    const { sent, send } = withMail();
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw");
    const newEmail = uniqueEmail("taken");
    expect((await send("PUT", "/profile/email", { cookie, form: { password: "nope", new_email: newEmail } })).status).toBe(401);
    await send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: newEmail } });
    await register(newEmail, "other");
    const confirmed = await send("POST", "/confirm_email", { form: { token: tokenOf(sent.at(-1), "/account/email/confirm") } });
    expect([confirmed.status, await confirmed.json()]).toEqual([400, { message: "email already registered" }]);
    expect(await (await call("GET", "/profile", { cookie })).json()).toEqual({ email });
    expect((await send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: newEmail } })).status).toBe(400);
  });
});

describe("notices", () => {
  it("password changed, account deleted: when, from which device and country, and what to do if it was not you", async () => {
    const { sent, send } = withMail();
    const email = uniqueEmail();
    await register(email, "pw");
    const login = await call("POST", "/sessions", { form: { email, password: "pw" } });
    const cookie = `session_id=${sessionCookieOf(login)}`;
    const headers = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0" };
    await send("PUT", "/profile/password", { cookie, headers, form: { current_password: "pw", new_password: "pw2" } });
    const changed = sent.at(-1)!;
    expect(changed).toMatchObject({ to: email, subject: "Your edge-auth password was changed" });
    expect(changed.text).toMatch(/on \w{3}, \d{2} \w{3} \d{4} [\d:]{8} GMT from Firefox on Linux/);
    expect(changed.text).toContain("If it was not, someone else has access");
    expect(changed.html).toContain("https://auth.example.test/account/forgot");

    const renewed = `session_id=${sessionCookieOf(await call("POST", "/sessions", { form: { email, password: "pw2" } }))}`;
    await send("POST", "/profile/delete", { cookie: renewed, headers, form: { password: "pw2" } });
    expect(sent.at(-1)).toMatchObject({ to: email, subject: "Your edge-auth account was deleted" });
  });

  it("escapes what it quotes in HTML", async () => {
    const { sent, send } = withMail();
    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    // A plain address may still hold & and ' (HTML escapes them); < > " are refused outright.
    const odd = `a&b'c${crypto.randomUUID().slice(0, 6)}@example.com`;
    await send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: odd } });
    await send("POST", "/confirm_email", { form: { token: tokenOf(sent.at(-1), "/account/email/confirm") } });
    const notice = sent.at(-1)!;
    expect(notice.html).toContain("a&amp;b&#39;c");
    expect(notice.html).not.toContain("a&b'c");
  });
});

describe("when mail fails", () => {
  it("the answer is the same, and the log says which message failed, never to whom or what it carried", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    const failing = {
      send: async () => {
        throw new Error("Email to someone@example.com failed with token abc");
      },
    } as unknown as SendEmail;
    const email = uniqueEmail();
    await register(email, "old");
    const response = await call("POST", "/reset_password", {
      form: { email },
      vars: { ...MAIL_VARS, RESET_TOKEN_DELIVERY: "email" },
      bindings: { EMAIL: failing },
    });
    expect(response.status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "error", mail: "password-reset-link", sent: false, error: "Error" });
    expect(lines[0]).not.toMatch(/@|token|http/);
  });
});

it("no log line holds a token, a link or an address, through every mail flow", async () => {
  const lines: string[] = [];
  for (const level of ["log", "warn", "error", "info"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  }
  const { sent, send } = withMail({ RESET_TOKEN_DELIVERY: "email", LOG_REQUESTS: "true" });
  const email = uniqueEmail();
  const headers = { "cf-connecting-ip": randomIp() };
  await send("POST", "/users", { form: { email, password: "pw" }, headers });
  await send("POST", "/verify_email", { form: { token: tokenOf(sent[0], "/account/verify") } });
  await send("GET", `/account/verify?token=${tokenOf(sent[0], "/account/verify")}`);
  await send("POST", "/reset_password", { form: { email } });
  await send("GET", `/account/reset?token=${tokenOf(sent.at(-1), "/account/reset")}`);
  await send("PUT", "/reset_password", { form: { email, reset_token: tokenOf(sent.at(-1), "/account/reset"), new_password: "n" } });
  expect(sent.length).toBeGreaterThanOrEqual(3);
  const log = lines.join("\n");
  expect(log).toContain('"mail":"verify-email"');
  expect(log).not.toContain(email);
  expect(log).not.toContain("?token=");
  for (const message of sent) for (const match of message.text.matchAll(/token=([\w-]+)/g)) expect(log).not.toContain(match[1]!);
});

describe("the HTTP provider transport (Resend)", () => {
  it("posts the message with the key; a provider's 500 is a MailError with the status, logged without the address", async () => {
    const { resendTransport } = await import("../../src/mail/transports");
    const calls: { url: string; init: RequestInit }[] = [];
    const answer = { status: 200 };
    const fetcher = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ id: "x" }), { status: answer.status });
    }) as unknown as typeof fetch;
    const transport = resendTransport("re_key", "https://api.resend.test", fetcher);
    const mail = { from: "a <a@b.test>", to: "bob@example.com", subject: "s", text: "t", html: "<p>h</p>" };
    await transport.send(mail);
    expect(calls[0]!.url).toBe("https://api.resend.test/emails");
    expect(new Headers(calls[0]!.init.headers).get("authorization")).toBe("Bearer re_key");
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ from: mail.from, to: [mail.to], subject: "s", text: "t", html: "<p>h</p>" });
    answer.status = 500;
    await expect(transport.send(mail)).rejects.toMatchObject({ name: "MailError", status: 500, message: "the provider answered 500" });
  });
});
