import { env } from "cloudflare:workers";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { expect } from "vitest";
import { call, type CallOptions, loggedIn, uniqueEmail } from "../helpers";

export const ISSUER = "http://localhost:8787";

const hex = async (value: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** A client registered straight into D1, as `npm run clients -- add` does. */
export async function addClient(
  options: { public?: boolean; firstParty?: boolean; redirectUris?: string[]; postLogout?: string[]; name?: string } = {},
) {
  const id = `client-${crypto.randomUUID().slice(0, 8)}`;
  const secret = options.public ? undefined : b64url(crypto.getRandomValues(new Uint8Array(32)));
  const redirectUris = options.redirectUris ?? ["https://app.example.test/callback"];
  await env.DB.prepare(
    "INSERT INTO oauth_clients (id, name, secret_hash, redirect_uris, post_logout_redirect_uris, first_party, created_at) VALUES (?, ?, ?, ?, ?, ?, unixepoch())",
  )
    .bind(
      id,
      options.name ?? "Example App",
      secret ? await hex(secret) : null,
      JSON.stringify(redirectUris),
      JSON.stringify(options.postLogout ?? []),
      options.firstParty ? 1 : 0,
    )
    .run();
  if (options.public) {
    for (const uri of redirectUris) {
      await env.DB.prepare("INSERT OR IGNORE INTO oauth_client_origins (origin, client_id) VALUES (?, ?)")
        .bind(new URL(uri).origin, id)
        .run();
    }
  }
  return { id, secret, redirectUri: redirectUris[0]! };
}

/** PKCE: a verifier and its S256 challenge, computed here (RFC 7636 §4.2), not by the service. */
export async function pkce() {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  return { verifier, challenge };
}

export function authorizeUrl(client: { id: string; redirectUri: string }, challenge: string, extra: Record<string, string> = {}) {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: client.id,
    redirect_uri: client.redirectUri,
    scope: "openid email offline_access",
    state: "st-1",
    nonce: "n-1",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  });
  return `/oauth/authorize?${params}`;
}

/** A logged-in user's code for a first-party client (no consent step). */
export async function codeFor(client: { id: string; redirectUri: string }, options: { scope?: string; cookie?: string } = {}) {
  const user = options.cookie ? undefined : await loggedIn(uniqueEmail("oidc"), "pw");
  const cookie = options.cookie ?? user!.cookie;
  const { verifier, challenge } = await pkce();
  const response = await call("GET", authorizeUrl(client, challenge, options.scope ? { scope: options.scope } : {}), { cookie });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get("location")!);
  expect(location.origin + location.pathname).toBe(client.redirectUri);
  return { code: location.searchParams.get("code")!, verifier, location, cookie, email: user?.email };
}

export function tokenCall(form: Record<string, string>, client?: { id: string; secret?: string }, extra: CallOptions = {}) {
  const headers: Record<string, string> = { ...extra.headers };
  if (client?.secret) headers.authorization = `Basic ${btoa(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`)}`;
  else if (client) form = { ...form, client_id: client.id };
  return call("POST", "/oauth/token", { ...extra, form, headers });
}

export async function exchange(client: { id: string; secret?: string; redirectUri: string }, code: string, verifier: string) {
  return tokenCall({ grant_type: "authorization_code", code, redirect_uri: client.redirectUri, code_verifier: verifier }, client);
}

/** Verifies a JWT with the service's published JWKS, as a relying party does. */
export async function verifyWithJwks(token: string, options: Parameters<typeof jwtVerify>[2]) {
  const jwks = createLocalJWKSet((await (await call("GET", "/oauth/jwks")).json()) as JSONWebKeySet);
  return jwtVerify(token, jwks, options);
}
