// The runtime's floor for a real session check: a Worker with no framework that does what
// GET /profile must do and nothing else: read the session cookie, hash it (SHA-256, Web Crypto),
// look the digest up with the same indexed query GET /profile runs, check the two deadlines and
// answer the address as JSON. No security headers, no request id, no log, no timeout, no refresh:
// it bounds what any session check that reads local D1 can reach. Served by `npm run bench`.
const QUERY =
  'select "sessions"."expires_at", "sessions"."idle_expires_at", "users"."email" from "sessions" inner join "users" on "users"."id" = "sessions"."user_id" where "sessions"."secret_hash" = ?';

export default {
  async fetch(request, env) {
    const secret = /(?:^|;\s*)session_id=([^;]*)/.exec(request.headers.get("cookie") ?? "")?.[1];
    if (!secret) return Response.json({ error: "not logged in" }, { status: 403 });
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret)))]
      .map((byte) => byte.toString(16).padStart(2, "0"))
      .join("");
    const [row] = await env.DB.prepare(QUERY).bind(digest).raw();
    const now = Math.floor(Date.now() / 1000);
    if (!row || row[0] <= now || row[1] <= now) return Response.json({ error: "not logged in" }, { status: 403 });
    return Response.json({ email: row[2] });
  },
};
