import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // The same drizzle-kit migrations wrangler applies locally and in production.
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // An empty database on which a test replays the migration history step by step.
          d1Databases: { UPGRADE_DB: "upgrade-test" },
          bindings: {
            TEST_MIGRATIONS: migrations,
            // The lowest bcrypt cost keeps the suite fast; production uses wrangler.toml's value.
            BCRYPT_COST: "4",
            // Thousands of generated requests would bury the test report; one test turns it on.
            LOG_REQUESTS: "false",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/apply-migrations.ts"],
    },
  };
});
