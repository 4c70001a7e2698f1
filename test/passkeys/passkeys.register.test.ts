import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, loggedIn, uniqueEmail } from "../helpers";
import { mailTo, withMail } from "../mail";
import { newAuthenticator, register } from "../webauthn";
import { addPasskey, ageProof, cookies, creationOptions, ORIGIN, userHandleOf } from "./helpers";

describe("adding a passkey", () => {
  it("POST /profile/passkeys/options gives creation options browsers parse, bound to this browser for 5 minutes", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail("pk"));
    const response = await call("POST", "/profile/passkeys/options", { cookie });
    expect(response.status).toBe(200);
    expect(response.headers.get("set-cookie")).toMatch(/webauthn_challenge=[^;]+; Max-Age=300; Path=\/; HttpOnly; SameSite=Lax/);
    const options = (await response.json()) as Record<string, any>;
    expect(options).toMatchObject({
      rp: { id: "localhost", name: "edge-auth" },
      user: { id: await userHandleOf(email), name: email, displayName: email },
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "preferred" },
      attestation: "none",
      excludeCredentials: [],
    });
    expect(options.challenge).toMatch(/^[\w-]{43}$/);
    expect(options.pubKeyCredParams).toContainEqual({ type: "public-key", alg: -7 });
    // The user handle names no address and no row id: 16 random bytes.
    expect(options.user.id).toMatch(/^[\w-]{22}$/);
  });

  it("POST /profile/passkeys with credential.toJSON() adds it (201), lists it, and excludes it from the next options", async () => {
    const { cookie } = await loggedIn(uniqueEmail("pk"));
    const { passkey, authenticator } = await addPasskey(cookie);
    expect(passkey).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/), backed_up: true, last_used_at: null });
    const listed = (await (await call("GET", "/profile/passkeys", { cookie })).json()) as { passkeys: unknown[] };
    expect(listed.passkeys).toEqual([passkey]);
    const { options } = await creationOptions(cookie);
    expect(options.excludeCredentials).toEqual([
      {
        type: "public-key",
        id: btoa(String.fromCharCode(...authenticator.credentialId))
          .replaceAll("+", "-")
          .replaceAll("/", "_")
          .replace(/=+$/, ""),
      },
    ]);
    const row = await env.DB.prepare("SELECT sign_count, backup_eligible, backed_up, transports, public_key FROM passkeys WHERE id = ?")
      .bind(passkey.id)
      .first<Record<string, unknown>>();
    expect(row).toMatchObject({ sign_count: 0, backup_eligible: 1, backed_up: 1, transports: "internal" });
    expect(JSON.parse(row!.public_key as string)).toMatchObject({ kty: "EC", crv: "P-256" });
  });

  it("the same authenticator twice is refused (400), and the address is told of each passkey added", async () => {
    const mail = withMail();
    const { cookie, email } = await loggedIn(uniqueEmail("pk"));
    const origin = "https://auth.example.test";
    const { authenticator } = await addPasskey(cookie, undefined, origin, mail.options);
    const { options, challenge } = await creationOptions(cookie, mail.options);
    const again = await mail.send("POST", "/profile/passkeys", {
      cookie: cookies(cookie, challenge),
      json: await register(authenticator, options, origin),
    });
    expect([again.status, await again.json()]).toEqual([400, { message: "passkey registered already" }]);
    const notices = mailTo(mail.sent, email);
    expect(notices.map((m) => m.subject)).toEqual(["A passkey was added to your edge-auth account"]);
  });

  const refusals: [string, Parameters<typeof register>[3]][] = [
    ["another origin", { origin: "https://evil.example" }],
    ["another relying party", { rpId: "evil.example" }],
    ["an assertion's type", { type: "webauthn.get" }],
    ["another challenge", { challenge: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }],
  ];
  for (const [what, change] of refusals) {
    it(`a registration with ${what} is refused with 400, and nothing is stored`, async () => {
      const { cookie, email } = await loggedIn(uniqueEmail("pk"));
      const { options, challenge } = await creationOptions(cookie);
      const response = await call("POST", "/profile/passkeys", {
        cookie: cookies(cookie, challenge),
        json: await register(await newAuthenticator(), options, ORIGIN, change),
      });
      expect([response.status, await response.json()]).toEqual([400, { message: "passkey not accepted" }]);
      expect(await passkeysOf(email)).toBe(0);
    });
  }

  it("a challenge works once, only from the browser it was given to, and only for its account", async () => {
    const a = await loggedIn(uniqueEmail("pk"));
    const b = await loggedIn(uniqueEmail("pk"));
    const key = await newAuthenticator();
    const { options, challenge } = await creationOptions(a.cookie);
    const credential = await register(key, options, ORIGIN);
    // Without the cookie (another browser): refused.
    expect((await call("POST", "/profile/passkeys", { cookie: a.cookie, json: credential })).status).toBe(400);
    // The cookie with another account's session: refused.
    expect((await call("POST", "/profile/passkeys", { cookie: cookies(b.cookie, challenge), json: credential })).status).toBe(400);
    // Each refusal above spent nothing the owner needs? The first one never reached the challenge,
    // the second took it: the owner must ask again.
    expect((await call("POST", "/profile/passkeys", { cookie: cookies(a.cookie, challenge), json: credential })).status).toBe(400);
    const fresh = await creationOptions(a.cookie);
    const ok = await call("POST", "/profile/passkeys", {
      cookie: cookies(a.cookie, fresh.challenge),
      json: await register(key, fresh.options, ORIGIN),
    });
    expect(ok.status).toBe(201);
    // And the spent challenge does not work a second time.
    const replay = await call("POST", "/profile/passkeys", {
      cookie: cookies(a.cookie, fresh.challenge),
      json: await register(await newAuthenticator(), fresh.options, ORIGIN),
    });
    expect(replay.status).toBe(400);
    expect(await passkeysOf(a.email)).toBe(1);
    expect(await passkeysOf(b.email)).toBe(0);
  });

  it("an expired challenge is refused", async () => {
    const { cookie } = await loggedIn(uniqueEmail("pk"));
    const { options, challenge } = await creationOptions(cookie);
    await env.DB.prepare("UPDATE webauthn_challenges SET expires_at = expires_at - 301 WHERE challenge = ?").bind(options.challenge).run();
    const response = await call("POST", "/profile/passkeys", {
      cookie: cookies(cookie, challenge),
      json: await register(await newAuthenticator(), options, ORIGIN),
    });
    expect(response.status).toBe(400);
  });

  it("nested JSON that is not a credential gets a 400 naming the field, never a 500", async () => {
    const { cookie } = await loggedIn(uniqueEmail("pk"));
    const { challenge } = await creationOptions(cookie);
    for (const json of [{}, { id: 1 }, { id: "x", rawId: "x", type: "public-key", response: "no" }, [], "text"]) {
      const response = await call("POST", "/profile/passkeys", { cookie: cookies(cookie, challenge), json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect(await response.json()).toHaveProperty("message");
    }
    const garbage = await call("POST", "/profile/passkeys", {
      cookie: cookies(cookie, challenge),
      json: { id: "x", rawId: "x", type: "public-key", response: { clientDataJSON: "%%%", attestationObject: "AAAA" } },
    });
    expect(garbage.status).toBe(400);
  });

  it("needs a recent proof: an old login gets 403 confirm it is you, for options, adding and removing", async () => {
    const { cookie } = await loggedIn(uniqueEmail("pk"));
    const { passkey } = await addPasskey(cookie);
    await ageProof(cookie, 601);
    const expected = [403, { message: "confirm it is you", reauthenticate: true }];
    const options = await call("POST", "/profile/passkeys/options", { cookie });
    expect([options.status, await options.json()]).toEqual(expected);
    const removal = await call("DELETE", `/profile/passkeys/${passkey.id}`, { cookie });
    expect([removal.status, await removal.json()]).toEqual(expected);
    // Still a few seconds inside the window: it goes through.
    await ageProof(cookie, 590);
    expect((await call("DELETE", `/profile/passkeys/${passkey.id}`, { cookie })).status).toBe(200);
  });
});

describe("removing a passkey", () => {
  it("DELETE /profile/passkeys/{id} removes it and tells the address; another user's id is answered as an unknown one", async () => {
    const mail = withMail();
    const a = await loggedIn(uniqueEmail("pk"));
    const b = await loggedIn(uniqueEmail("pk"));
    const { passkey } = await addPasskey(a.cookie, undefined, "https://auth.example.test", mail.options);
    const theirs = await call("DELETE", `/profile/passkeys/${passkey.id}`, { cookie: b.cookie });
    const unknown = await call("DELETE", `/profile/passkeys/${"0".repeat(32)}`, { cookie: b.cookie });
    expect([theirs.status, await theirs.json()]).toEqual([404, { message: "no such passkey" }]);
    expect([unknown.status, await unknown.json()]).toEqual([404, { message: "no such passkey" }]);
    expect(await passkeysOf(a.email)).toBe(1);
    const removed = await mail.send("DELETE", `/profile/passkeys/${passkey.id}`, { cookie: a.cookie });
    expect([removed.status, await removed.json()]).toEqual([200, { message: "passkey removed" }]);
    expect(await passkeysOf(a.email)).toBe(0);
    expect(mailTo(mail.sent, a.email).map((m) => m.subject)).toEqual([
      "A passkey was added to your edge-auth account",
      "A passkey was removed from your edge-auth account",
    ]);
    expect((await call("GET", "/profile/passkeys", { cookie: a.cookie })).status).toBe(200);
  });

  it("the passkey routes need a session (403 not logged in, as the seed's routes answer)", async () => {
    for (const [method, path] of [
      ["GET", "/profile/passkeys"],
      ["POST", "/profile/passkeys/options"],
      ["DELETE", `/profile/passkeys/${"0".repeat(32)}`],
    ] as const) {
      const response = await call(method, path);
      expect([method, path, response.status, await response.json()]).toEqual([method, path, 403, { message: "not logged in" }]);
    }
  });
});

const passkeysOf = async (email: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM passkeys WHERE user_id = (SELECT id FROM users WHERE email = ?)")
    .bind(email)
    .first<{ n: number }>())!.n;
