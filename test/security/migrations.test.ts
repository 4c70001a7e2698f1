import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";

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
  expect(row).toMatchObject({
    hashed_password: "$2b$04$hash",
    session_id: null,
    reset_token: null,
    failed_login_count: 0,
    login_blocked_until: null,
  });
});
