import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, inject, it } from "vitest";
import { migrateLocal, openLocalD1 } from "../../scripts/lib/local-server.mjs";

// `npm run clean-up` runs the daily clean-up (the scheduled handler) on the local D1, which
// `wrangler dev --test-scheduled` cannot reach with [assets] configured.
const root = path.resolve(import.meta.dirname, "../..");
const state = mkdtempSync(path.join(os.tmpdir(), "edge-auth-clean-up-state-"));
afterAll(() => rmSync(state, { recursive: true, force: true }));

it("npm run clean-up deletes ended sessions from the local D1 and prints the job's line of counts", async () => {
  migrateLocal(state);
  const now = Math.floor(Date.now() / 1000);
  const local = await openLocalD1(state);
  try {
    await local.db.prepare("INSERT INTO users (email, hashed_password) VALUES ('cron@example.com', 'x')").run();
    const insert = local.db.prepare(
      "INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, idle_expires_at, last_used_at) SELECT ?, id, ?, ?, ?, ?, ? FROM users WHERE email = 'cron@example.com'",
    );
    await insert.bind("ended", "hash-ended", now - 100, now - 10, now - 10, now - 100).run();
    await insert.bind("live", "hash-live", now, now + 1000, now + 1000, now).run();
  } finally {
    await local.dispose();
  }

  const result = spawnSync(process.execPath, [path.join(root, "scripts/clean-up.mjs"), "--persist-to", state], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(result.status, result.stderr).toBe(0);
  const line = result.stdout.split("\n").find((text) => text.includes('"job":"clean-up"'));
  expect(JSON.parse(line!)).toMatchObject({ level: "info", job: "clean-up", cron: "17 3 * * *", sessions: 1 });

  const after = await openLocalD1(state);
  try {
    const { results } = await after.db.prepare("SELECT id FROM sessions ORDER BY id").all();
    expect(results).toEqual([{ id: "live" }]);
  } finally {
    await after.dispose();
  }
});

it("npm run clean-up exits non-zero when the job fails, and its log line names the error's class", async () => {
  const broken = mkdtempSync(path.join(os.tmpdir(), "edge-auth-clean-up-broken-"));
  try {
    migrateLocal(broken);
    const local = await openLocalD1(broken);
    try {
      // A table the job deletes from is gone: its batch fails.
      await local.db.prepare("DROP TABLE mail_counts").run();
    } finally {
      await local.dispose();
    }
    const result = spawnSync(process.execPath, [path.join(root, "scripts/clean-up.mjs"), "--persist-to", broken], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(result.status).toBe(1);
    const line = `${result.stdout}${result.stderr}`.split("\n").find((text) => text.includes('"job":"clean-up"'));
    const logged = JSON.parse(line!.slice(line!.indexOf("{")));
    expect(logged).toMatchObject({ level: "error", job: "clean-up", codes: expect.arrayContaining(["D1_ERROR"]) });
    // Readable class names in the deployed bundle too (keep_names), never a minified `_e`.
    for (const name of [logged.error, ...(logged.causes ?? [])]) expect(name).toMatch(/^[A-Z][A-Za-z0-9]+$/);
    expect(result.stderr).toContain('clean-up: the scheduled handler ended with "exception"');
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});

it("the deployed bundle keeps class names, so log lines can name them", () => {
  const bundle = readFileSync(inject("bundle"), "utf8");
  for (const name of ["TemporarilyUnavailable", "UserAlreadyExists", "D1Timeout", "CleanUpFailed"]) expect(bundle).toContain(`"${name}"`);
});
