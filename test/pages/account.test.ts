import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { call, loggedIn, randomIp, register, secretOf, sessionCookieOf, sessionRow, uniqueEmail } from "../helpers";

const SAME_ORIGIN = { origin: "http://localhost", "sec-fetch-site": "same-origin" };

function post(path: string, form: Record<string, string>, cookie?: string, headers: Record<string, string> = {}) {
  return call("POST", path, { form, cookie, headers: { ...SAME_ORIGIN, ...headers } });
}

async function html(response: Response) {
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  return response.text();
}

describe("account pages", () => {
  it.each(["/account/register", "/account/login", "/account/forgot", "/account/reset"])(
    "GET %s is a form that posts without JavaScript",
    async (path) => {
      const response = await call("GET", path);
      expect(response.status).toBe(200);
      const page = await html(response);
      expect(page).toMatch(/<form method="post" action="\/account\/[a-z]+">/);
      // At most the site's own passkey script, which only adds a button: the form needs none.
      expect(page.replaceAll('<script src="/passkeys.js" defer=""></script>', "")).not.toMatch(/<script/i);
      expect(page).not.toMatch(/(src|href)="https?:/i);
    },
  );

  it("registers, logs in, shows the profile and logs out", async () => {
    const email = uniqueEmail();
    let response = await post("/account/register", { email, password: "pw" });
    expect([response.status, response.headers.get("location")]).toEqual([303, "/account/login?registered=1"]);
    expect(await html(await call("GET", "/account/login?registered=1"))).toContain("Account created");

    response = await post("/account/login", { email, password: "pw" });
    expect([response.status, response.headers.get("location")]).toEqual([303, "/account/profile"]);
    const cookie = `session_id=${sessionCookieOf(response)}`;

    response = await call("GET", "/account/profile", { cookie });
    expect(response.status).toBe(200);
    const profile = await html(response);
    expect(profile).toContain(email);
    expect(profile).toContain('action="/account/logout"');
    expect((await call("GET", "/account", { cookie })).headers.get("location")).toBe("/account/profile");

    response = await post("/account/logout", {}, cookie);
    expect([response.status, response.headers.get("location")]).toEqual([303, "/account/login?logged_out=1"]);
    expect(response.headers.get("set-cookie")).toMatch(/^session_id=;/);
    response = await call("GET", "/account/profile", { cookie });
    expect([response.status, response.headers.get("location")]).toEqual([303, "/account/login"]);
  });

  it("resets a password: the token is shown, then set a new password", async () => {
    const email = uniqueEmail();
    await register(email, "old");
    let response = await post("/account/forgot", { email });
    expect(response.status).toBe(200);
    const page = await html(response);
    expect(page).toContain("shows reset tokens here instead of mailing them");
    const token = /id="reset-token">([^<]+)</.exec(page)![1]!;
    // The form to use it comes filled in on the same page: the token never goes into a URL.
    expect(page).toContain(`<input id="reset_token" name="reset_token" required="" autocomplete="off" value="${token}"`);
    expect(page).not.toMatch(/href="[^"]*reset_token/);

    response = await post("/account/reset", { email, reset_token: token, new_password: "new" });
    expect(response.status).toBe(200);
    expect(await html(response)).toContain("Password updated");
    expect((await call("POST", "/sessions", { form: { email, password: "new" } })).status).toBe(200);
  });

  it.each([
    [
      "/account/register",
      async () => {
        const email = uniqueEmail();
        await register(email);
        return { email, password: "pw" };
      },
      400,
      "An account with this email address already exists. Log in, or reset your password if you have forgotten it.",
    ],
    [
      "/account/register",
      async () => ({ email: "not-an-email", password: "pw" }),
      400,
      "Enter a valid email address, like name@example.com",
    ],
    [
      "/account/login",
      async () => ({ email: uniqueEmail(), password: "pw" }),
      401,
      "The email address or the password is wrong. Check both and try again, or reset your password.",
    ],
    ["/account/login", async () => ({ email: uniqueEmail() }), 400, "Enter your password."],
    [
      "/account/forgot",
      async () => ({ email: uniqueEmail() }),
      403,
      "No account uses this email address. Check it for typos, or create an account.",
    ],
    [
      "/account/reset",
      async () => ({ email: uniqueEmail(), reset_token: "nope", new_password: "x" }),
      403,
      "This reset token does not work: it may be mistyped, already used, older than 60 minutes, or for another email address. Ask for a new one.",
    ],
  ])("POST %s shows the form again with a clear error (%#)", async (path, makeForm, status, message) => {
    const form = await makeForm();
    const response = await post(path, form as Record<string, string>);
    expect(response.status).toBe(status);
    const page = await html(response);
    expect(page).toContain('class="alert error"');
    expect(page).toContain(message);
    expect(page).toContain(`action="${path}"`);
    if (form.email) expect(page).toContain(`value="${form.email}"`);
  });

  it("keeps a still-usable token in the form after another field's error, drops a refused one", async () => {
    const email = uniqueEmail();
    await register(email, "old");
    const reset = await call("POST", "/reset_password", { form: { email } });
    const { reset_token } = (await reset.json()) as { reset_token: string };
    const tooLong = await post("/account/reset", { email, reset_token, new_password: "x".repeat(80) });
    expect(tooLong.status).toBe(400);
    expect(await html(tooLong)).toContain(`value="${reset_token}"`);
    const refused = await post("/account/reset", { email, reset_token: "not-the-token", new_password: "x" });
    expect(refused.status).toBe(403);
    expect(await html(refused)).not.toContain('value="not-the-token"');
  });

  it("accepts every address the API accepts (no stricter browser-side type=email)", async () => {
    const page = await html(await call("GET", "/account/login"));
    expect(page).toContain('inputmode="email"');
    expect(page).not.toContain('type="email"');
    const email = `josé-${crypto.randomUUID().slice(0, 6)}@example.com`;
    expect((await post("/account/register", { email, password: "pw" })).status).toBe(303);
    expect((await post("/account/login", { email, password: "pw" })).status).toBe(303);
  });

  it("pages are never cached and allow no scripts", async () => {
    const { cookie } = await (async () => {
      const email = uniqueEmail();
      await register(email);
      const login = await call("POST", "/sessions", { form: { email, password: "pw" } });
      return { cookie: `session_id=${sessionCookieOf(login)}` };
    })();
    const response = await call("GET", "/account/profile", { cookie });
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("content-security-policy")).toContain("form-action 'self'");
  });

  it("escapes what people type", async () => {
    const response = await post("/account/login", { email: '"><script>alert(1)</script>@x.example', password: "pw" });
    const page = await html(response);
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(page).toContain("&lt;script&gt;");
  });

  it("shows rate limits and login backoff as pages with Retry-After", async () => {
    const ip = randomIp();
    for (let i = 0; i < 30; i++) await post("/account/forgot", { email: uniqueEmail() }, undefined, { "cf-connecting-ip": ip });
    const limited = await post("/account/forgot", { email: uniqueEmail() }, undefined, { "cf-connecting-ip": ip });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await html(limited)).toContain("Too many requests from your network. Wait 1 minute and try again.");
  });

  it("refuses a cross-site form post", async () => {
    const response = await call("POST", "/account/register", {
      form: { email: uniqueEmail(), password: "pw" },
      headers: { origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toContain("This form was sent from another site, so it was refused.");
  });

  it("speaks to a person: a wait in words, a field by its label, a bad setting or a missing page as HTML", async () => {
    const email = uniqueEmail();
    await register(email, "right");
    await env.DB.prepare("UPDATE users SET failed_login_count = 9, login_blocked_until = unixepoch() + 130 WHERE email = ?")
      .bind(email)
      .run();
    const throttled = await post("/account/login", { email, password: "right" });
    expect(throttled.status).toBe(429);
    expect(await html(throttled)).toMatch(/Too many failed attempts to log in to this account\. Wait (2|3) minutes and try again/);

    const long = await post("/account/register", { email: uniqueEmail(), password: "p".repeat(73) });
    expect(await html(long)).toContain("Your password is too long: passwords can be at most 72 bytes");
    const short = await call("POST", "/account/register", {
      form: { email: uniqueEmail(), password: "abc" },
      vars: { PASSWORD_MIN_LENGTH: "8" },
    });
    expect(await html(short)).toContain("Your password must be at least 8 characters long.");

    for (const [path, status, text] of [
      ["/account/nowhere", 404, "There is no page at this address."],
      ["/account/", 404, "There is no page at this address."],
    ] as const) {
      const response = await call("GET", path);
      expect(response.status, path).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await response.text()).toContain(text);
    }
    const put = await call("PUT", "/account/login");
    expect([put.status, put.headers.get("allow")]).toEqual([405, "GET, HEAD, POST"]);
    expect(await put.text()).toContain("This page cannot be used that way.");
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    const misconfigured = await call("GET", "/account/login", { vars: { BCRYPT_COST: "abc" } });
    quiet.mockRestore();
    expect(misconfigured.status).toBe(503);
    expect(await misconfigured.text()).toContain("The service is unavailable right now.");
    // The API keeps its JSON answers.
    expect(await (await call("GET", "/nowhere")).json()).toEqual({ message: "not found" });
  });

  it("a page answers a link that repeats a query parameter (its first value counts)", async () => {
    const response = await call("GET", "/account/login?registered=1&registered=2");
    expect(response.status).toBe(200);
    expect(await html(response)).toContain("Account created");
  });

  it("fills in the login form with the address just registered, without putting it in a URL", async () => {
    const email = uniqueEmail();
    const registered = await post("/account/register", { email, password: "pw" });
    expect(registered.headers.get("location")).toBe("/account/login?registered=1");
    const cookie = /registered_email=([^;]*)/.exec(registered.headers.get("set-cookie") ?? "")![1];
    expect(registered.headers.get("set-cookie")).toContain("Path=/account/login; HttpOnly; SameSite=Lax");
    const login = await call("GET", "/account/login?registered=1", { cookie: `registered_email=${cookie}` });
    expect(await html(login)).toContain(`value="${email}"`);
    expect(login.headers.get("set-cookie")).toMatch(/^registered_email=; Max-Age=0/);
  });
});

describe("account pages: sessions, password, delete", () => {
  it("the profile page links to them; each sends a reader who is not logged in to the login form", async () => {
    const { cookie } = await loggedIn();
    const profile = await html(await call("GET", "/account/profile", { cookie }));
    for (const path of ["/account/sessions", "/account/password", "/account/delete"]) {
      expect(profile).toContain(`href="${path}"`);
      const anonymous = await call("GET", path);
      // (The sessions page sends to the plain form; the others come back after logging in.)
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.get("location")).toMatch(new RegExp(`^/account/login(\\?next=${path.replaceAll("/", "\\/")})?$`));
    }
  });

  it("/account/sessions lists the sessions, marks this device, and ends one or all the others", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    const { cookie: other } = await loggedIn(email, "pw");
    const { cookie: third } = await loggedIn(email, "pw");
    const { cookie } = await loggedIn(email, "pw");
    const page = await html(await call("GET", "/account/sessions", { cookie }));
    expect(page.match(/<tr data-session=/g)).toHaveLength(3);
    expect(page).toContain("This device");
    expect(page).toContain('action="/account/sessions/end-others"');
    const otherId = String((await sessionRow(secretOf(other)))!.id);
    const ended = await post("/account/sessions/end", { session: otherId }, cookie);
    expect([ended.status, ended.headers.get("location")]).toEqual([303, "/account/sessions?ended=one"]);
    expect((await call("GET", "/profile", { cookie: other })).status).toBe(403);
    expect(await html(await call("GET", "/account/sessions?ended=one", { cookie }))).toContain("That session was logged out.");
    const rest = await post("/account/sessions/end-others", {}, cookie);
    expect(rest.headers.get("location")).toBe("/account/sessions?ended=others");
    expect((await call("GET", "/profile", { cookie: third })).status).toBe(403);
    expect((await call("GET", "/profile", { cookie })).status).toBe(200);
  });

  it("/account/password changes the password with the current one and renews this device's cookie", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail(), "old");
    expect(await html(await call("GET", "/account/password", { cookie }))).toContain('name="current_password"');
    const wrong = await post("/account/password", { current_password: "nope", new_password: "new-pw" }, cookie);
    expect(wrong.status).toBe(401);
    expect(await html(wrong)).toContain("That is not your current password.");
    const done = await post("/account/password", { current_password: "old", new_password: "new-pw" }, cookie);
    expect(done.status).toBe(200);
    expect(await html(done)).toContain("Password changed");
    const renewed = `session_id=${sessionCookieOf(done)}`;
    expect((await call("GET", "/profile", { cookie: renewed })).status).toBe(200);
    expect((await call("GET", "/profile", { cookie })).status).toBe(403);
    expect((await call("POST", "/sessions", { form: { email, password: "new-pw" } })).status).toBe(200);
  });

  it("/account/delete says what will be deleted, asks for the password, and deletes", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw");
    const form = await html(await call("GET", "/account/delete", { cookie }));
    expect(form).toContain(email);
    expect(form).toContain("every session on every device");
    const wrong = await post("/account/delete", { password: "nope" }, cookie);
    expect(wrong.status).toBe(401);
    expect(await html(wrong)).toContain(email);
    const done = await post("/account/delete", { password: "pw" }, cookie);
    expect(done.status).toBe(200);
    expect(await html(done)).toContain("Account deleted");
    expect(done.headers.get("set-cookie")).toMatch(/^session_id=; Max-Age=0/);
    expect((await register(email, "pw")).status).toBe(200);
  });
});

describe("outside review 3: pages a newcomer tripped on", () => {
  it("a used reset link shows how to get a new one, not an email/token form the reader does not have", async () => {
    const { MAIL_VARS, capturingEmail, tokenOf } = await import("../mail");
    const mail = capturingEmail();
    const options = { vars: { ...MAIL_VARS, RESET_TOKEN_DELIVERY: "email" }, bindings: { EMAIL: mail.binding } };
    const email = uniqueEmail();
    await register(email, "old");
    await call("POST", "/account/forgot", { ...options, form: { email }, headers: SAME_ORIGIN });
    const token = tokenOf(mail.sent[0], "/account/reset");
    const fromLink = { origin: "null", "sec-fetch-site": "same-origin" };
    const form = { reset_token: token, new_password: "new-pw" };
    expect((await call("POST", "/account/reset", { ...options, form, headers: fromLink })).status).toBe(200);
    const again = await call("POST", "/account/reset", { ...options, form, headers: fromLink });
    expect(again.status).toBe(403);
    const page = await html(again);
    expect(page).toContain("This link no longer works");
    expect(page).toContain('href="/account/forgot"');
    expect(page).not.toContain('name="email"');
    expect(page).not.toContain('name="reset_token"');
  });

  it("with REQUIRE_EMAIL_VERIFICATION, registering says to check the mail, not to log in", async () => {
    const { MAIL_VARS } = await import("../mail");
    const vars = { ...MAIL_VARS, REQUIRE_EMAIL_VERIFICATION: "true" };
    const page = await html(await call("GET", "/account/login?registered=1", { vars }));
    expect(page).toContain("open it to confirm the address, then log in");
    expect(page).not.toContain("you can log in now");
    expect(await html(await call("GET", "/account/login?registered=1"))).toContain("you can log in now");
  });

  it("after asking for an address change, the page leads back to the profile", async () => {
    const { MAIL_VARS, capturingEmail } = await import("../mail");
    const mail = capturingEmail();
    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    const page = await html(
      await call("POST", "/account/email", {
        cookie,
        form: { password: "pw", new_email: uniqueEmail("new") },
        headers: SAME_ORIGIN,
        vars: MAIL_VARS,
        bindings: { EMAIL: mail.binding },
      }),
    );
    expect(page).toContain('<a href="/account/profile">Back to your account</a>');
  });

  it("titles name the service once; /docs/ leads to the reference; /favicon.ico is an icon", async () => {
    const home = await call("GET", "/", { headers: { accept: "text/html" } });
    expect(await home.text()).toContain("<title>edge-auth</title>");
    expect(await html(await call("GET", "/account/login"))).toContain("<title>Log in · edge-auth</title>");
    const slash = await call("GET", "/docs/");
    expect([slash.status, slash.headers.get("location")]).toEqual([301, "/docs"]);
    const icon = await call("GET", "/favicon.ico");
    expect([icon.status, icon.headers.get("content-type")]).toEqual([200, "image/x-icon"]);
    expect(new Uint8Array(await icon.arrayBuffer()).slice(0, 4)).toEqual(new Uint8Array([0, 0, 1, 0]));
  });

  it("mail says 'an' account, never 'a edge-auth'", async () => {
    const { render } = await import("../../src/mail/messages");
    const { MAIL_VARS } = await import("../mail");
    const { readConfig } = await import("../../src/config");
    const config = readConfig({ ...env, ...MAIL_VARS }).mail;
    const events = [
      { type: "confirm-new-email", to: "a@example.com", token: "t", expiresAt: 0 },
      { type: "password-reset-link", to: "a@example.com", token: "t", expiresAt: 0 },
      { type: "verify-email", to: "a@example.com", token: "t", expiresAt: 0 },
    ] as const;
    for (const event of events) expect((await render(event, config)).text).not.toMatch(/\ba edge-auth\b/);
  });
});
