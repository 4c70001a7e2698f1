import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/tokens";
import { call } from "../helpers";

/** The migrations up to (not including) the one whose name starts with `prefix`, and the rest. */
function splitAt(prefix: string) {
  const index = env.TEST_MIGRATIONS.findIndex((m) => m.name.startsWith(prefix));
  expect(index).toBeGreaterThan(0);
  return [env.TEST_MIGRATIONS.slice(0, index), env.TEST_MIGRATIONS.slice(index)] as const;
}

it("upgrading an existing database invalidates plaintext session ids and reset tokens", async () => {
  const db = env.UPGRADE_DB;
  const [initial, ...later] = env.TEST_MIGRATIONS;
  expect(initial!.name).toMatch(/^0000_/);
  await applyD1Migrations(db, [initial!]);
  // A row as the first schema stored it: raw secrets in the clear.
  await db
    .prepare("INSERT INTO users (email, hashed_password, session_id, reset_token) VALUES (?, ?, ?, ?)")
    .bind("old@example.com", "$2b$04$hash", "plain-session", "plain-token")
    .run();

  await applyD1Migrations(db, [initial!, ...later]);

  const row = await db.prepare("SELECT * FROM users WHERE email = 'old@example.com'").first<Record<string, unknown>>();
  expect(row).toMatchObject({ hashed_password: "$2b$04$hash", reset_token: null, failed_login_count: 0, login_blocked_until: null });
  // The plaintext session was dropped (0002), so it did not move to the sessions table (0005).
  expect((await db.prepare("SELECT count(*) AS n FROM sessions").first<{ n: number }>())!.n).toBe(0);
});

it("the sessions table keeps everyone logged in across the upgrade: live sessions move, with digest and deadlines", async () => {
  const db = env.UPGRADE_SESSIONS_DB;
  const [before, from] = splitAt("0005_");
  await applyD1Migrations(db, before);
  const now = Math.floor(Date.now() / 1000);
  const live = crypto.randomUUID();
  const expired = crypto.randomUUID();
  const insert = db.prepare(
    "INSERT INTO users (email, hashed_password, session_id, session_expires_at, session_idle_expires_at) VALUES (?, ?, ?, ?, ?)",
  );
  await db.batch([
    insert.bind("live@example.com", "$2b$04$hash", await sha256Hex(live), now + 3600, now + 600),
    insert.bind("expired@example.com", "$2b$04$hash", await sha256Hex(expired), now + 3600, now - 1),
    db.prepare("INSERT INTO users (email, hashed_password) VALUES ('none@example.com', '$2b$04$hash')"),
  ]);

  await applyD1Migrations(db, [...before, ...from]);

  const rows = (await db.prepare("SELECT * FROM sessions").all<Record<string, unknown>>()).results;
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ secret_hash: await sha256Hex(live), expires_at: now + 3600, idle_expires_at: now + 600 });
  expect(String(rows[0]!.id)).toMatch(/^[0-9a-f]{32}$/);
  const columns = (await db.prepare("PRAGMA table_info(users)").all<{ name: string }>()).results.map((c) => c.name);
  expect(columns).not.toContain("session_id");

  // The cookie from before the upgrade still works, through the app, on the upgraded database.
  const profile = await call("GET", "/profile", { cookie: `session_id=${live}`, bindings: { DB: db } });
  expect([profile.status, await profile.json()]).toEqual([200, { email: "live@example.com" }]);
  expect((await call("GET", "/profile", { cookie: `session_id=${expired}`, bindings: { DB: db } })).status).toBe(403);
});

it("0008 (second factors) keeps sessions, links and remembered clients, and gives every user a public id", async () => {
  const db = env.UPGRADE_FACTORS_DB;
  const [before, from] = splitAt("0008_");
  await applyD1Migrations(db, before);
  const now = Math.floor(Date.now() / 1000);
  const secret = crypto.randomUUID();
  await db.batch([
    db.prepare(
      "INSERT INTO users (id, email, hashed_password) VALUES (1, 'a@example.com', '$2b$04$hash'), (2, 'b@example.com', '$2b$04$hash')",
    ),
    db
      .prepare(
        "INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, idle_expires_at, last_used_at) VALUES ('s1', 1, ?, ?, ?, ?, ?)",
      )
      .bind(await sha256Hex(secret), now, now + 3600, now + 600, now),
    db
      .prepare(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, email, created_at, expires_at) VALUES ('t1', 1, 'verify', 'a@example.com', ?, ?)",
      )
      .bind(now, now + 3600),
    db.prepare("INSERT INTO login_devices (user_id, token_hash, last_login_at) VALUES (1, 'd1', ?)").bind(now),
  ]);

  await applyD1Migrations(db, [...before, ...from]);

  const users = (await db.prepare("SELECT id, public_id FROM users ORDER BY id").all<{ id: number; public_id: string }>()).results;
  expect(users).toHaveLength(2);
  for (const user of users) expect(user.public_id).toMatch(/^[0-9a-f]{32}$/);
  expect(users[0]!.public_id).not.toBe(users[1]!.public_id);
  // A row inserted without one (an older Worker still running during a deploy) gets one too.
  await db.prepare("INSERT INTO users (email, hashed_password) VALUES ('c@example.com', '$2b$04$hash')").run();
  const late = await db.prepare("SELECT public_id FROM users WHERE email = 'c@example.com'").first<{ public_id: string }>();
  expect(late!.public_id).toMatch(/^[0-9a-f]{32}$/);
  expect(await db.prepare("SELECT amr, reauthenticated_at FROM sessions WHERE id = 's1'").first()).toEqual({
    amr: null,
    reauthenticated_at: null,
  });
  expect((await db.prepare("SELECT count(*) AS n FROM email_tokens").first<{ n: number }>())!.n).toBe(1);
  expect((await db.prepare("SELECT count(*) AS n FROM login_devices").first<{ n: number }>())!.n).toBe(1);
  // The session from before still works through the app, and its login counts as a proof of presence at its time.
  const profile = await call("GET", "/profile", { cookie: `session_id=${secret}`, bindings: { DB: db } });
  expect([profile.status, await profile.json()]).toEqual([200, { email: "a@example.com" }]);
  expect((await call("POST", "/profile/sessions/end-others", { cookie: `session_id=${secret}`, bindings: { DB: db } })).status).toBe(200);
});
