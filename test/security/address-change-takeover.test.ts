import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { gatedD1 } from "../d1-faults";
import { mailTo, tokenOf, withMail } from "../mail";
import { call, loggedIn, sessionCookieOf, uniqueEmail } from "../helpers";

/**
 * Outside review 3, item 1: someone who once knew the password (or registered the owner's address
 * first) asks to move the account to an address of theirs; whatever the owner then does to take
 * the account back must end that pending change, or its link hands the account over.
 */

const SAME_SITE = { origin: "http://localhost", "sec-fetch-site": "same-origin" };

/** An account whose password an attacker knows, and a pending move of it to the attacker's address. */
async function pendingTakeover(vars: Record<string, string> = {}) {
  const mail = withMail({ RESET_TOKEN_DELIVERY: "email", ...vars });
  const owner = await loggedIn(uniqueEmail("owner"), "shared-pw");
  const attacker = await loggedIn(owner.email, "shared-pw");
  const attackerAddress = uniqueEmail("attacker");
  const asked = await mail.send("PUT", "/profile/email", {
    cookie: attacker.cookie,
    form: { password: "shared-pw", new_email: attackerAddress },
  });
  expect(asked.status).toBe(200);
  const link = tokenOf(mailTo(mail.sent, attackerAddress).at(-1), "/account/email/confirm");
  const confirm = () => mail.send("POST", "/confirm_email", { form: { token: link } });
  return { ...mail, owner, attacker, attackerAddress, confirm };
}

async function addressOf(cookie: string) {
  const response = await call("GET", "/profile", { cookie });
  return response.status === 200 ? ((await response.json()) as { email: string }).email : null;
}

describe("a pending address change ends when the owner takes the account back", () => {
  it("by a reset through the mailed link (the review's reproduction)", async () => {
    const t = await pendingTakeover();
    await t.send("POST", "/reset_password", { form: { email: t.owner.email } });
    const resetLink = tokenOf(mailTo(t.sent, t.owner.email).at(-1), "/account/reset");
    const reset = await t.send("PUT", "/reset_password", {
      form: { email: t.owner.email, reset_token: resetLink, new_password: "owner-only" },
    });
    expect(reset.status).toBe(200);
    const confirmed = await t.confirm();
    expect([confirmed.status, await confirmed.json()]).toEqual([403, { message: "invalid or expired link" }]);
    // And the attacker cannot reset to the new address either: the account kept the owner's.
    await t.send("POST", "/reset_password", { form: { email: t.attackerAddress } });
    expect(mailTo(t.sent, t.attackerAddress).filter((m) => m.subject.startsWith("Reset"))).toHaveLength(0);
    const login = await call("POST", "/sessions", { form: { email: t.owner.email, password: "owner-only" } });
    expect(login.status).toBe(200);
  });

  it("by a reset in the seed's response mode", async () => {
    const t = await pendingTakeover({ RESET_TOKEN_DELIVERY: "response" });
    const asked = await call("POST", "/reset_password", { form: { email: t.owner.email } });
    const { reset_token } = (await asked.json()) as { reset_token: string };
    expect((await call("PUT", "/reset_password", { form: { email: t.owner.email, reset_token, new_password: "owner-only" } })).status).toBe(
      200,
    );
    expect((await t.confirm()).status).toBe(403);
  });

  it("by a password change", async () => {
    const t = await pendingTakeover();
    const changed = await t.send("PUT", "/profile/password", {
      cookie: t.owner.cookie,
      form: { current_password: "shared-pw", new_password: "owner-only" },
    });
    expect(changed.status).toBe(200);
    expect((await t.confirm()).status).toBe(403);
  });

  it("by ending all sessions", async () => {
    const t = await pendingTakeover();
    expect((await t.send("POST", "/profile/sessions/end-all", { cookie: t.owner.cookie })).status).toBe(200);
    expect((await t.confirm()).status).toBe(403);
  });

  it("by logging out everywhere else, from the API and from the sessions page", async () => {
    const api = await pendingTakeover();
    expect((await api.send("POST", "/profile/sessions/end-others", { cookie: api.owner.cookie })).status).toBe(200);
    expect((await api.confirm()).status).toBe(403);
    const page = await pendingTakeover();
    const ended = await page.send("POST", "/account/sessions/end-others", { cookie: page.owner.cookie, headers: SAME_SITE });
    expect(ended.status).toBe(303);
    expect((await page.confirm()).status).toBe(403);
  });

  it("by deleting the account (the address can register again, nobody can claim it through the old link)", async () => {
    const t = await pendingTakeover();
    expect((await t.send("POST", "/profile/delete", { cookie: t.owner.cookie, form: { password: "shared-pw" } })).status).toBe(200);
    expect((await t.confirm()).status).toBe(403);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM email_tokens WHERE email = ?")
      .bind(t.attackerAddress)
      .first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("and someone who registered the owner's address first loses the change when the owner resets by mail", async () => {
    const mail = withMail({ RESET_TOKEN_DELIVERY: "email" });
    const address = uniqueEmail("owner");
    // The attacker registers the owner's address (it stays unverified) and asks to move it.
    await mail.send("POST", "/users", { form: { email: address, password: "attackers" } });
    const squatter = await call("POST", "/sessions", { form: { email: address, password: "attackers" } });
    const cookie = `session_id=${sessionCookieOf(squatter)}`;
    const attackerAddress = uniqueEmail("attacker");
    await mail.send("PUT", "/profile/email", { cookie, form: { password: "attackers", new_email: attackerAddress } });
    const link = tokenOf(mailTo(mail.sent, attackerAddress).at(-1), "/account/email/confirm");
    // The owner of the mailbox takes the account over by a reset.
    await mail.send("POST", "/reset_password", { form: { email: address } });
    const reset_token = tokenOf(mailTo(mail.sent, address).at(-1), "/account/reset");
    expect((await mail.send("PUT", "/reset_password", { form: { email: address, reset_token, new_password: "owners" } })).status).toBe(200);
    expect((await mail.send("POST", "/confirm_email", { form: { token: link } })).status).toBe(403);
    expect(await addressOf(cookie)).toBeNull();
  });
});

describe("asking for a change tells the current address, with a link that cancels it", () => {
  it("the notice names the new address and when; its link ends the pending change, once", async () => {
    const t = await pendingTakeover();
    const notice = mailTo(t.sent, t.owner.email).at(-1)!;
    expect(notice.subject).toBe("Someone asked to change the address of your edge-auth account");
    expect(notice.text).toContain(t.attackerAddress);
    expect(notice.text).toMatch(/asked on \w{3}, \d{2} \w{3} \d{4}/);
    const token = tokenOf(notice, "/account/email/cancel");
    const cancelled = await t.send("POST", "/cancel_email_change", { form: { token } });
    expect([cancelled.status, await cancelled.json()]).toEqual([200, { message: "address change cancelled" }]);
    expect((await t.confirm()).status).toBe(403);
    expect(await addressOf(t.owner.cookie)).toBe(t.owner.email);
    const again = await t.send("POST", "/cancel_email_change", { form: { token } });
    expect([again.status, await again.json()]).toEqual([403, { message: "invalid or expired link" }]);
  });

  it("the page the link opens spends it only when its button is pressed", async () => {
    const t = await pendingTakeover();
    const token = tokenOf(mailTo(t.sent, t.owner.email).at(-1), "/account/email/cancel");
    const page = await t.send("GET", `/account/email/cancel?token=${token}`);
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await page.text()).toContain('action="/account/email/cancel"');
    const done = await t.send("POST", "/account/email/cancel", {
      form: { token },
      headers: { origin: "null", "sec-fetch-site": "same-origin" },
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Change cancelled");
    expect((await t.confirm()).status).toBe(403);
  });
});

describe("confirming a change ends what was sent to the old address", () => {
  it("a reset token of the seed's response mode", async () => {
    const mail = withMail();
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw");
    const { reset_token } = (await (await call("POST", "/reset_password", { form: { email } })).json()) as { reset_token: string };
    const newEmail = uniqueEmail("moved");
    await mail.send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: newEmail } });
    await mail.send("POST", "/confirm_email", { form: { token: tokenOf(mail.sent.at(-1), "/account/email/confirm") } });
    expect((await call("PUT", "/reset_password", { form: { email: newEmail, reset_token, new_password: "x" } })).status).toBe(403);
    expect((await call("PUT", "/reset_password", { form: { email, reset_token, new_password: "x" } })).status).toBe(403);
  });

  it("reset links mailed to the old address, through the API and the page", async () => {
    const mail = withMail({ RESET_TOKEN_DELIVERY: "email" });
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw");
    await mail.send("POST", "/reset_password", { form: { email } });
    await mail.send("POST", "/reset_password", { form: { email } });
    const links = mailTo(mail.sent, email).map((m) => tokenOf(m, "/account/reset"));
    const newEmail = uniqueEmail("moved");
    await mail.send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: newEmail } });
    await mail.send("POST", "/confirm_email", { form: { token: tokenOf(mailTo(mail.sent, newEmail).at(-1), "/account/email/confirm") } });
    expect(
      (await mail.send("PUT", "/reset_password", { form: { email: newEmail, reset_token: links[0]!, new_password: "x" } })).status,
    ).toBe(403);
    const page = await mail.send("POST", "/account/reset", {
      form: { reset_token: links[1]!, new_password: "x" },
      headers: { origin: "null", "sec-fetch-site": "same-origin" },
    });
    expect(page.status).toBe(403);
    expect((await call("POST", "/sessions", { form: { email: newEmail, password: "pw" } })).status).toBe(200);
  });

  it("verification links mailed to the old address", async () => {
    const mail = withMail();
    const email = uniqueEmail();
    await mail.send("POST", "/users", { form: { email, password: "pw" } });
    const verifyOld = tokenOf(mail.sent.at(-1), "/account/verify");
    const cookie = `session_id=${sessionCookieOf(await call("POST", "/sessions", { form: { email, password: "pw" } }))}`;
    const newEmail = uniqueEmail("moved");
    await mail.send("PUT", "/profile/email", { cookie, form: { password: "pw", new_email: newEmail } });
    await mail.send("POST", "/confirm_email", { form: { token: tokenOf(mail.sent.at(-1), "/account/email/confirm") } });
    expect((await mail.send("POST", "/verify_email", { form: { token: verifyOld } })).status).toBe(403);
  });
});

describe("outside review of #18: a change asked for while the owner takes the account back", () => {
  /** PUT /profile/email held between its password check and its write, while `owner` runs. */
  async function racedChange(owner: (t: Awaited<ReturnType<typeof pendingTakeover>>) => Promise<unknown>) {
    const t = await pendingTakeover();
    const attacker = await loggedIn(t.owner.email, "shared-pw");
    const gated = gatedD1(env.DB, (sql) => sql.some((statement) => /insert into "mail_counts"/.test(statement)));
    const late = uniqueEmail("late");
    const asked = t.send("PUT", "/profile/email", {
      cookie: attacker.cookie,
      form: { password: "shared-pw", new_email: late },
      bindings: { DB: gated.db },
    });
    await gated.reached;
    await owner(t);
    gated.open();
    const response = await asked;
    return { t, late, response };
  }

  it.each([
    [
      "ending all sessions",
      (t: Awaited<ReturnType<typeof pendingTakeover>>) => t.send("POST", "/profile/sessions/end-all", { cookie: t.owner.cookie }),
    ],
    [
      "a password change",
      (t: Awaited<ReturnType<typeof pendingTakeover>>) =>
        t.send("PUT", "/profile/password", { cookie: t.owner.cookie, form: { current_password: "shared-pw", new_password: "owner-only" } }),
    ],
    [
      "a reset",
      async (t: Awaited<ReturnType<typeof pendingTakeover>>) => {
        await t.send("POST", "/reset_password", { form: { email: t.owner.email } });
        const reset_token = tokenOf(mailTo(t.sent, t.owner.email).at(-1), "/account/reset");
        await t.send("PUT", "/reset_password", { form: { email: t.owner.email, reset_token, new_password: "owner-only" } });
      },
    ],
  ])("lands after %s as a refusal, storing and mailing nothing", async (_, owner) => {
    const { t, late, response } = await racedChange(owner);
    expect([response.status, await response.json()]).toEqual([403, { message: "not logged in" }]);
    expect(mailTo(t.sent, late)).toHaveLength(0);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM email_tokens WHERE email = ?").bind(late).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });
});

describe("outside review of #18: the owner's cancel link and a way back", () => {
  it("a later request does not kill the cancel link the owner already has", async () => {
    const t = await pendingTakeover();
    const firstNotice = mailTo(t.sent, t.owner.email).at(-1)!;
    const second = uniqueEmail("attacker2");
    await t.send("PUT", "/profile/email", { cookie: t.attacker.cookie, form: { password: "shared-pw", new_email: second } });
    const cancelled = await t.send("POST", "/cancel_email_change", { form: { token: tokenOf(firstNotice, "/account/email/cancel") } });
    expect(cancelled.status).toBe(200);
    const secondLink = tokenOf(mailTo(t.sent, second).at(-1), "/account/email/confirm");
    expect((await t.send("POST", "/confirm_email", { form: { token: secondLink } })).status).toBe(403);
  });

  it("logging one device out from the list ends a pending change too", async () => {
    const t = await pendingTakeover();
    const list = (await (await call("GET", "/profile/sessions", { cookie: t.owner.cookie })).json()) as {
      sessions: { id: string; current: boolean }[];
    };
    for (const session of list.sessions.filter((s) => !s.current)) {
      expect((await call("DELETE", `/profile/sessions/${session.id}`, { cookie: t.owner.cookie })).status).toBe(200);
    }
    expect((await t.confirm()).status).toBe(403);
  });

  it("a confirmed change can be undone from the old address: the address back, a new password, everyone out", async () => {
    const t = await pendingTakeover();
    expect((await t.confirm()).status).toBe(200);
    const notice = mailTo(t.sent, t.owner.email).at(-1)!;
    expect(notice.subject).toBe("The address of your edge-auth account was changed");
    const token = tokenOf(notice, "/account/email/revert");
    // The page the link opens: a form for the new password, the token hidden in it.
    const page = await t.send("GET", `/account/email/revert?token=${token}`);
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await page.text()).toContain('<input type="hidden" name="token"');
    const undone = await t.send("POST", "/revert_email_change", { form: { token, new_password: "owner-again" } });
    expect([undone.status, await undone.json()]).toEqual([200, { email: t.owner.email, message: "address restored" }]);
    // Whoever made the change is out, and the old password is void.
    expect((await call("GET", "/profile", { cookie: t.attacker.cookie })).status).toBe(403);
    expect((await call("GET", "/profile", { cookie: t.owner.cookie })).status).toBe(403);
    expect((await call("POST", "/sessions", { form: { email: t.owner.email, password: "shared-pw" } })).status).toBe(401);
    expect((await call("POST", "/sessions", { form: { email: t.attackerAddress, password: "shared-pw" } })).status).toBe(401);
    expect((await call("POST", "/sessions", { form: { email: t.owner.email, password: "owner-again" } })).status).toBe(200);
    expect(mailTo(t.sent, t.owner.email).at(-1)!.subject).toBe("Your edge-auth account has this address again");
    // Once.
    expect((await t.send("POST", "/revert_email_change", { form: { token, new_password: "x" } })).status).toBe(403);
  });

  it("a second change by the same hand does not end the owner's way back", async () => {
    const t = await pendingTakeover();
    await t.confirm();
    const token = tokenOf(mailTo(t.sent, t.owner.email).at(-1), "/account/email/revert");
    const relogin = await call("POST", "/sessions", { form: { email: t.attackerAddress, password: "shared-pw" } });
    const cookie = `session_id=${sessionCookieOf(relogin)}`;
    const third = uniqueEmail("third");
    await t.send("PUT", "/profile/email", { cookie, form: { password: "shared-pw", new_email: third } });
    await t.send("POST", "/confirm_email", { form: { token: tokenOf(mailTo(t.sent, third).at(-1), "/account/email/confirm") } });
    const undone = await t.send("POST", "/revert_email_change", { form: { token, new_password: "owner-again" } });
    expect([undone.status, await undone.json()]).toEqual([200, { email: t.owner.email, message: "address restored" }]);
    // The attacker's own way back died with it.
    const theirs = tokenOf(mailTo(t.sent, t.attackerAddress).at(-1), "/account/email/revert");
    expect((await t.send("POST", "/revert_email_change", { form: { token: theirs, new_password: "mine" } })).status).toBe(403);
  });

  it("refused when someone registered the old address meanwhile; the page says how to get help", async () => {
    const t = await pendingTakeover();
    await t.confirm();
    const token = tokenOf(mailTo(t.sent, t.owner.email).at(-1), "/account/email/revert");
    await call("POST", "/users", { form: { email: t.owner.email, password: "squatter" } });
    const undone = await t.send("POST", "/revert_email_change", { form: { token, new_password: "owner-again" } });
    expect([undone.status, await undone.json()]).toEqual([400, { message: "email already registered" }]);
    const short = await t.send("POST", "/account/email/revert", { form: { token, new_password: "" }, headers: SAME_SITE });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('name="token"');
  });
});
