import { createHash, randomBytes } from "node:crypto";
import type { Miniflare } from "miniflare";

/** A client registered straight into the service's D1 (what `npm run clients -- add` writes). */
export async function registerClient(
  mf: Miniflare,
  options: { redirectUris: string[]; postLogout?: string[]; public?: boolean; firstParty?: boolean; name?: string },
) {
  const db = await mf.getD1Database("DB");
  const id = `e2e-${randomBytes(6).toString("hex")}`;
  const secret = options.public ? undefined : randomBytes(32).toString("base64url");
  await db
    .prepare(
      "INSERT INTO oauth_clients (id, name, secret_hash, redirect_uris, post_logout_redirect_uris, first_party, created_at) VALUES (?, ?, ?, ?, ?, ?, unixepoch())",
    )
    .bind(
      id,
      options.name ?? "E2E App",
      secret ? createHash("sha256").update(secret).digest("hex") : null,
      JSON.stringify(options.redirectUris),
      JSON.stringify(options.postLogout ?? []),
      options.firstParty ? 1 : 0,
    )
    .run();
  return { id, secret };
}

/** Registers and logs in over HTTP; the session cookie as a Cookie header. */
export async function logIn(base: string, email: string, password: string): Promise<string> {
  await fetch(`${base}/users`, { method: "POST", body: new URLSearchParams({ email, password }) });
  const response = await fetch(`${base}/sessions`, { method: "POST", body: new URLSearchParams({ email, password }) });
  const cookie = /session_id=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
  if (!cookie) throw new Error(`login failed: ${response.status}`);
  return `session_id=${cookie}`;
}
