import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { countAppliedMigrations } from "../../scripts/lib/local-server.mjs";

// `npm start` prints one line for the migrations it applied, counted from wrangler's output.
const root = path.resolve(import.meta.dirname, "../..");
const state = mkdtempSync(path.join(os.tmpdir(), "edge-auth-migrations-"));
afterAll(() => rmSync(state, { recursive: true, force: true }));

const apply = () =>
  execFileSync(
    process.execPath,
    [path.join(root, "node_modules/wrangler/bin/wrangler.js"), "d1", "migrations", "apply", "DB", "--local", "--persist-to", state],
    {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" },
    },
  );

it("counts each migration wrangler applies once (it reprints the table after each), and none when up to date", () => {
  const migrations = readdirSync(path.join(root, "migrations")).filter((name) => name.endsWith(".sql"));
  expect(migrations.length).toBeGreaterThan(1);
  expect(countAppliedMigrations(apply())).toBe(migrations.length);
  expect(countAppliedMigrations(apply())).toBe(0);
});
