import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, loggedIn, uniqueEmail } from "../helpers";
import { addClient, authorizeUrl, codeFor, exchange, ISSUER, pkce, tokenCall, verifyWithJwks } from "./helpers";

type Tokens = { access_token: string; id_token: string; refresh_token?: string; token_type: string; expires_in: number; scope: string };

describe("the OpenID provider", () => {
  it("discovery names every endpoint, code flow only, PKCE S256, RS256; the JWKS has public keys only", async () => {
    const response = await call("GET", "/.well-known/openid-configuration");
    const doc = (await response.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/oauth/authorize`,
      token_endpoint: `${ISSUER}/oauth/token`,
      userinfo_endpoint: `${ISSUER}/oauth/userinfo`,
      jwks_uri: `${ISSUER}/oauth/jwks`,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      end_session_endpoint: `${ISSUER}/oauth/logout`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      id_token_signing_alg_values_supported: ["RS256"],
      subject_types_supported: ["public"],
    });
    const { keys } = (await (await call("GET", "/oauth/jwks")).json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
      for (const secret of ["d", "p", "q", "dp", "dq", "qi"]) expect(key).not.toHaveProperty(secret);
    }
  });

  it("an unknown client or redirect URI gets a page, never a redirect", async () => {
    const client = await addClient({ firstParty: true });
    const { challenge } = await pkce();
    for (const url of [
      authorizeUrl({ id: "nobody", redirectUri: client.redirectUri }, challenge),
      authorizeUrl({ id: client.id, redirectUri: "https://evil.example/callback" }, challenge),
      authorizeUrl({ id: client.id, redirectUri: `${client.redirectUri}/more` }, challenge),
    ]) {
      const response = await call("GET", url);
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect(response.headers.get("content-type")).toMatch(/text\/html/);
      expect(await response.text()).toContain("not registered");
    }
  });

  it("no PKCE, plain PKCE, another response type, prompt=none without a session: errors at the redirect URI, no code", async () => {
    const client = await addClient({ firstParty: true });
    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    const { challenge } = await pkce();
    const cases: [Record<string, string>, string, string?][] = [
      [{ code_challenge: "" }, "invalid_request", cookie],
      [{ code_challenge_method: "plain" }, "invalid_request", cookie],
      [{ response_type: "token" }, "unsupported_response_type", cookie],
      [{ prompt: "none" }, "login_required"],
    ];
    for (const [extra, error, withCookie] of cases) {
      const response = await call("GET", authorizeUrl(client, challenge, extra), { cookie: withCookie });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get("location")!);
      expect([location.searchParams.get("error"), location.searchParams.get("state"), location.searchParams.get("iss")]).toEqual([
        error,
        "st-1",
        ISSUER,
      ]);
      expect(location.searchParams.has("code")).toBe(false);
    }
  });

  it("not logged in: the login page, with the request as next; prompt=login asks again even with a session", async () => {
    const client = await addClient({ firstParty: true });
    const { challenge } = await pkce();
    const response = await call("GET", authorizeUrl(client, challenge, { login_hint: "a@example.com" }));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!, ISSUER);
    expect(location.pathname).toBe("/account/login");
    expect(location.searchParams.get("next")).toMatch(/^\/oauth\/authorize\?/);
    expect(location.searchParams.get("login_hint")).toBe("a@example.com");
    const page = await call("GET", location.pathname + location.search);
    expect(await page.text()).toContain('value="a@example.com"');
    // The login page lets its form end at the app's redirect URI (Chromium checks form-action on redirects).
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self' https://app.example.test");

    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    const again = await call("GET", authorizeUrl(client, challenge, { prompt: "login" }), { cookie });
    expect(new URL(again.headers.get("location")!, ISSUER).pathname).toBe("/account/login");
  });

  it("code flow for a confidential client: ID token, access token, userinfo; the code works once", async () => {
    const client = await addClient({ firstParty: true });
    const { code, verifier, location, email } = await codeFor(client);
    expect(location.searchParams.get("state")).toBe("st-1");
    expect(location.searchParams.get("iss")).toBe(ISSUER);
    const response = await exchange(client, code, verifier);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const tokens = (await response.json()) as Tokens;
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 600, scope: "openid email offline_access" });
    const { payload: id, protectedHeader } = await verifyWithJwks(tokens.id_token, { issuer: ISSUER, audience: client.id });
    expect(protectedHeader.alg).toBe("RS256");
    const user = await env.DB.prepare("SELECT id, public_id FROM users WHERE email = ?")
      .bind(email)
      .first<{ id: number; public_id: string }>();
    expect(id).toMatchObject({ sub: user!.public_id, nonce: "n-1", email, email_verified: false, amr: ["pwd"] });
    expect(id.sub).not.toBe(String(user!.id));
    expect(typeof id.auth_time).toBe("number");
    const { payload: at, protectedHeader: atHeader } = await verifyWithJwks(tokens.access_token, { issuer: ISSUER, audience: ISSUER });
    expect(atHeader.typ).toBe("at+jwt");
    expect(at).toMatchObject({ sub: user!.public_id, client_id: client.id, scope: "openid email offline_access" });
    expect(at.exp! - at.iat!).toBe(600);

    const info = await call("GET", "/oauth/userinfo", { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect([info.status, await info.json()]).toEqual([200, { sub: user!.public_id, email, email_verified: false }]);

    // A second use of the code: refused, and what the first use issued ends.
    const again = await exchange(client, code, verifier);
    expect([again.status, ((await again.json()) as { error: string }).error]).toEqual([400, "invalid_grant"]);
    const after = await call("GET", "/oauth/userinfo", { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    const refresh = await tokenCall({ grant_type: "refresh_token", refresh_token: tokens.refresh_token! }, client);
    expect(refresh.status).toBe(400);
  });

  it("the token endpoint refuses a wrong secret, verifier, redirect URI or another client's code", async () => {
    const client = await addClient({ firstParty: true });
    const other = await addClient({ firstParty: true });
    const { code, verifier } = await codeFor(client);
    const wrongSecret = await exchange({ ...client, secret: "nope" }, code, verifier);
    expect([
      wrongSecret.status,
      wrongSecret.headers.get("www-authenticate"),
      ((await wrongSecret.json()) as { error: string }).error,
    ]).toEqual([401, 'Basic realm="oauth"', "invalid_client"]);
    const wrongVerifier = await exchange(client, code, (await pkce()).verifier);
    expect(((await wrongVerifier.json()) as { error: string }).error).toBe("invalid_grant");
    const wrongRedirect = await exchange({ ...client, redirectUri: "https://app.example.test/other" }, code, verifier);
    expect(((await wrongRedirect.json()) as { error: string }).error).toBe("invalid_grant");
    const otherClient = await exchange({ ...other, redirectUri: client.redirectUri }, code, verifier);
    expect(((await otherClient.json()) as { error: string }).error).toBe("invalid_grant");
    // None of those spent it.
    expect((await exchange(client, code, verifier)).status).toBe(200);
    // Not a form, or no grant type: OAuth's invalid_request, never the API's {"message"}.
    const json = await call("POST", "/oauth/token", { json: { grant_type: "authorization_code" } });
    expect([json.status, ((await json.json()) as { error: string }).error]).toEqual([400, "invalid_request"]);
    const unknown = await tokenCall({ grant_type: "password" }, client);
    expect(((await unknown.json()) as { error: string }).error).toBe("unsupported_grant_type");
  });

  it("a code expires after 60 s", async () => {
    const client = await addClient({ firstParty: true });
    const { code, verifier } = await codeFor(client);
    await env.DB.prepare("UPDATE oauth_codes SET expires_at = unixepoch() - 1").run();
    expect(((await (await exchange(client, code, verifier)).json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("refresh tokens rotate; a used one presented again ends the whole grant", async () => {
    const client = await addClient({ firstParty: true });
    const { code, verifier } = await codeFor(client);
    const first = (await (await exchange(client, code, verifier)).json()) as Tokens;
    const second = await tokenCall({ grant_type: "refresh_token", refresh_token: first.refresh_token! }, client);
    expect(second.status).toBe(200);
    const rotated = (await second.json()) as Tokens;
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    await verifyWithJwks(rotated.id_token, { issuer: ISSUER, audience: client.id });
    // The old one again: refused, and the new one dies with the grant.
    const reuse = await tokenCall({ grant_type: "refresh_token", refresh_token: first.refresh_token! }, client);
    expect([reuse.status, ((await reuse.json()) as { error: string }).error]).toEqual([400, "invalid_grant"]);
    const dead = await tokenCall({ grant_type: "refresh_token", refresh_token: rotated.refresh_token! }, client);
    expect(dead.status).toBe(400);
    expect((await call("GET", "/oauth/userinfo", { headers: { authorization: `Bearer ${rotated.access_token}` } })).status).toBe(401);
  });

  it("REFRESH_TOKEN_REUSE_INTERVAL_SECONDS lets a client that lost an answer retry the previous token", async () => {
    const client = await addClient({ firstParty: true });
    const { code, verifier } = await codeFor(client);
    const first = (await (await exchange(client, code, verifier)).json()) as Tokens;
    const vars = { REFRESH_TOKEN_REUSE_INTERVAL_SECONDS: "30" };
    const lost = await tokenCall({ grant_type: "refresh_token", refresh_token: first.refresh_token! }, client, { vars });
    expect(lost.status).toBe(200);
    const retry = await tokenCall({ grant_type: "refresh_token", refresh_token: first.refresh_token! }, client, { vars });
    expect(retry.status).toBe(200);
    const kept = (await retry.json()) as Tokens;
    // The answer that was lost carried a token nobody will use: it is gone; the retry's works.
    const lostToken = ((await lost.json()) as Tokens).refresh_token!;
    expect((await tokenCall({ grant_type: "refresh_token", refresh_token: lostToken }, client, { vars })).status).toBe(400);
    expect((await tokenCall({ grant_type: "refresh_token", refresh_token: kept.refresh_token! }, client, { vars })).status).toBe(200);
  });

  it("revocation (RFC 7009) ends the grant of a refresh or access token; unknown tokens are a 200 too", async () => {
    const client = await addClient({ firstParty: true });
    const { code, verifier } = await codeFor(client);
    const tokens = (await (await exchange(client, code, verifier)).json()) as Tokens;
    const revoke = (token: string, who = client) =>
      call("POST", "/oauth/revoke", {
        form: { token },
        headers: { authorization: `Basic ${btoa(`${who.id}:${who.secret}`)}` },
      });
    expect((await revoke("not-a-token")).status).toBe(200);
    // Another client cannot revoke it.
    const other = await addClient({ firstParty: true });
    expect((await revoke(tokens.refresh_token!, other)).status).toBe(200);
    const live = await tokenCall({ grant_type: "refresh_token", refresh_token: tokens.refresh_token! }, client);
    expect(live.status).toBe(200);
    const rotated = (await live.json()) as Tokens;
    // Its own client can: the refresh token, then (another grant) an access token.
    expect((await revoke(rotated.refresh_token!)).status).toBe(200);
    expect((await tokenCall({ grant_type: "refresh_token", refresh_token: rotated.refresh_token! }, client)).status).toBe(400);
    const { code: code2, verifier: verifier2 } = await codeFor(client);
    const second = (await (await exchange(client, code2, verifier2)).json()) as Tokens;
    expect((await revoke(second.access_token)).status).toBe(200);
    expect((await call("GET", "/oauth/userinfo", { headers: { authorization: `Bearer ${second.access_token}` } })).status).toBe(401);
    expect((await tokenCall({ grant_type: "refresh_token", refresh_token: second.refresh_token! }, client)).status).toBe(400);
  });

  it("a password change, a reset and logging out everywhere end apps' tokens; logging out of one browser does not", async () => {
    const client = await addClient({ firstParty: true });
    const { code, verifier, cookie, email } = await codeFor(client);
    const tokens = (await (await exchange(client, code, verifier)).json()) as Tokens;
    expect((await call("DELETE", "/sessions", { cookie })).status).toBe(302);
    const still = await tokenCall({ grant_type: "refresh_token", refresh_token: tokens.refresh_token! }, client);
    expect(still.status).toBe(200);
    const next = (await still.json()) as Tokens;
    const asked = await call("POST", "/reset_password", { form: { email: email! } });
    const { reset_token } = (await asked.json()) as { reset_token: string };
    expect((await call("PUT", "/reset_password", { form: { email: email!, reset_token, new_password: "new-pw" } })).status).toBe(200);
    expect((await tokenCall({ grant_type: "refresh_token", refresh_token: next.refresh_token! }, client)).status).toBe(400);
  });

  it("a third-party app asks for consent once; Deny says access_denied; the Connected apps page disconnects it", async () => {
    const client = await addClient({ name: "Photo Printer" });
    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    const { challenge, verifier } = await pkce();
    const url = authorizeUrl(client, challenge);
    const toConsent = await call("GET", url, { cookie });
    const consentUrl = new URL(toConsent.headers.get("location")!, ISSUER);
    expect(consentUrl.pathname).toBe("/account/consent");
    const page = await call("GET", consentUrl.pathname + consentUrl.search, { cookie });
    const html = await page.text();
    expect(html).toContain("Photo Printer");
    expect(html).toContain(">Allow</button>");
    expect(html).toContain("See your email address");
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self' https://app.example.test");
    const form = Object.fromEntries(consentUrl.searchParams);
    const denied = await call("POST", "/account/consent", {
      cookie,
      form: { ...form, decision: "deny" },
      headers: { origin: "http://localhost" },
    });
    expect(new URL(denied.headers.get("location")!).searchParams.get("error")).toBe("access_denied");
    const allowed = await call("POST", "/account/consent", {
      cookie,
      form: { ...form, decision: "allow" },
      headers: { origin: "http://localhost" },
    });
    const code = new URL(allowed.headers.get("location")!).searchParams.get("code")!;
    expect((await exchange(client, code, verifier)).status).toBe(200);
    // Allowed once: the next request goes straight back with a code, unless prompt=consent.
    expect(
      new URL((await call("GET", authorizeUrl(client, challenge), { cookie })).headers.get("location")!).searchParams.has("code"),
    ).toBe(true);
    expect(
      new URL((await call("GET", authorizeUrl(client, challenge, { prompt: "consent" }), { cookie })).headers.get("location")!, ISSUER)
        .pathname,
    ).toBe("/account/consent");
    const apps = (await (await call("GET", "/profile/apps", { cookie })).json()) as { apps: { client_id: string; name: string }[] };
    expect(apps.apps.map((a) => a.name)).toEqual(["Photo Printer"]);
    expect((await call("DELETE", `/profile/apps/${client.id}`, { cookie })).status).toBe(200);
    expect((await (await call("GET", "/profile/apps", { cookie })).json()) as unknown).toEqual({ apps: [] });
    expect(new URL((await call("GET", authorizeUrl(client, challenge), { cookie })).headers.get("location")!, ISSUER).pathname).toBe(
      "/account/consent",
    );
  });

  it("a public client: PKCE only, no secret; CORS without credentials for its web origin", async () => {
    const client = await addClient({ public: true, firstParty: true, redirectUris: ["https://spa.example.test/cb"] });
    const { code, verifier } = await codeFor(client);
    const response = await exchange(client, code, verifier);
    expect(response.status).toBe(200);
    const preflight = await call("OPTIONS", "/oauth/token", {
      headers: { origin: "https://spa.example.test", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://spa.example.test");
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    const stranger = await call("OPTIONS", "/oauth/token", {
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
    // With a secret it is not a public client's call.
    const { code: code2, verifier: v2 } = await codeFor(client);
    const withSecret = await tokenCall({
      grant_type: "authorization_code",
      code: code2,
      redirect_uri: client.redirectUri,
      code_verifier: v2,
      client_id: client.id,
      client_secret: "x",
    });
    expect(withSecret.status).toBe(401);
  });

  it("RP-initiated logout: an id_token_hint for this user and a registered post_logout_redirect_uri", async () => {
    const client = await addClient({ firstParty: true, postLogout: ["https://app.example.test/bye"] });
    const { code, verifier, cookie } = await codeFor(client);
    const tokens = (await (await exchange(client, code, verifier)).json()) as Tokens;
    const elsewhere = await call(
      "GET",
      `/oauth/logout?${new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: "https://evil.example/" })}`,
      {
        cookie,
      },
    );
    expect(new URL(elsewhere.headers.get("location")!, ISSUER).pathname).toBe("/account/login");
    const { cookie: fresh } = await loggedIn(uniqueEmail(), "pw");
    // Another user's hint does not log this browser out without asking.
    const asks = await call("GET", `/oauth/logout?${new URLSearchParams({ id_token_hint: tokens.id_token })}`, { cookie: fresh });
    expect(asks.status).toBe(200);
    expect((await call("GET", "/profile", { cookie: fresh })).status).toBe(200);
    const { code: c2, verifier: v2, cookie: c2cookie } = await codeFor(client);
    const t2 = (await (await exchange(client, c2, v2)).json()) as Tokens;
    const out = await call(
      "GET",
      `/oauth/logout?${new URLSearchParams({ id_token_hint: t2.id_token, post_logout_redirect_uri: "https://app.example.test/bye", state: "s" })}`,
      {
        cookie: c2cookie,
      },
    );
    expect(out.headers.get("location")).toBe("https://app.example.test/bye?state=s");
    expect((await call("GET", "/profile", { cookie: c2cookie })).status).toBe(403);
  });
});

describe("outside review of the provider", () => {
  it("a password change ends apps' access and refresh tokens", async () => {
    const client = await addClient({ firstParty: true });
    const { code, verifier, cookie } = await codeFor(client);
    const tokens = (await (await exchange(client, code, verifier)).json()) as Tokens;
    const changed = await call("PUT", "/profile/password", { cookie, form: { current_password: "pw", new_password: "pw-changed-1" } });
    expect(changed.status).toBe(200);
    expect((await call("GET", "/oauth/userinfo", { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
    expect((await tokenCall({ grant_type: "refresh_token", refresh_token: tokens.refresh_token! }, client)).status).toBe(400);
  });

  it("with a reuse interval, a stolen old token cannot start a second chain once the successor was used", async () => {
    const client = await addClient({ firstParty: true });
    const { code, verifier } = await codeFor(client);
    const vars = { REFRESH_TOKEN_REUSE_INTERVAL_SECONDS: "60" };
    const r0 = ((await (await exchange(client, code, verifier)).json()) as Tokens).refresh_token!;
    const r1 = ((await (await tokenCall({ grant_type: "refresh_token", refresh_token: r0 }, client, { vars })).json()) as Tokens)
      .refresh_token!;
    const r2 = ((await (await tokenCall({ grant_type: "refresh_token", refresh_token: r1 }, client, { vars })).json()) as Tokens)
      .refresh_token!;
    expect((await tokenCall({ grant_type: "refresh_token", refresh_token: r0 }, client, { vars })).status).toBe(400);
    // The replay ended the grant: the real chain too.
    expect((await tokenCall({ grant_type: "refresh_token", refresh_token: r2 }, client, { vars })).status).toBe(400);
  });

  it("prompt=login asks again whatever auth_after says; consent re-checks max_age", async () => {
    const client = await addClient();
    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    const { challenge } = await pkce();
    for (const after of ["0", "1"]) {
      const response = await call("GET", authorizeUrl(client, challenge, { prompt: "login", auth_after: after }), { cookie });
      expect(new URL(response.headers.get("location")!, ISSUER).pathname).toBe("/account/login");
    }
    // A login older than max_age, posted straight to the consent form: log in again, no code.
    await env.DB.prepare("UPDATE sessions SET created_at = created_at - 100, reauthenticated_at = NULL").run();
    const params = Object.fromEntries(new URL(authorizeUrl(client, challenge, { max_age: "10" }), ISSUER).searchParams);
    const posted = await call("POST", "/account/consent", {
      cookie,
      form: { ...params, decision: "allow" },
      headers: { origin: "http://localhost" },
    });
    expect(new URL(posted.headers.get("location")!, ISSUER).pathname).toBe("/account/login");
  });

  it("an access token is no id_token_hint; a form field named constructor is just a field", async () => {
    const client = await addClient({ firstParty: true, postLogout: ["https://app.example.test/bye"] });
    const { code, verifier, cookie } = await codeFor(client);
    const tokens = (await (await exchange(client, code, verifier)).json()) as Tokens;
    const out = await call("GET", `/oauth/logout?${new URLSearchParams({ id_token_hint: tokens.access_token })}`, { cookie });
    expect(out.status).toBe(200); // asks, instead of logging out
    expect((await call("GET", "/profile", { cookie })).status).toBe(200);
    const odd = await tokenCall({ grant_type: "refresh_token", refresh_token: tokens.refresh_token!, constructor: "x" }, client);
    expect(odd.status).toBe(200);
  });

  it("of parallel exchanges of one code, one wins, and the others end what it issued", async () => {
    const client = await addClient({ firstParty: true });
    const { code, verifier } = await codeFor(client);
    const answers = await Promise.all([1, 2, 3, 4].map(() => exchange(client, code, verifier)));
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    const tokens = (await won[0]!.json()) as Tokens;
    expect((await call("GET", "/oauth/userinfo", { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
  });
});
