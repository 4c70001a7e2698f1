import { generateKeyPairSync } from "node:crypto";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { unstable_readConfig } from "wrangler";
import { defineConfig } from "vitest/config";
import { prepareBuild } from "./scripts/prepare-build.mjs";

/** An RSA key as `npm run keys -- new` makes it: the tests' OIDC_SIGNING_KEYS. */
const TEST_SIGNING_KEYS = JSON.stringify([
  { kid: "tests", alg: "RS256", use: "sig", ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }) },
]);

export default defineConfig(async () => {
  // The [assets] directory must exist for the Workers pool; `npx vitest` alone works too.
  prepareBuild();
  // The same drizzle-kit migrations wrangler applies locally and in production.
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // wrangler.toml's [vars], pinned, so a developer's .dev.vars never changes what tests see.
  const defaults = unstable_readConfig({ config: "wrangler.toml" }).vars as Record<string, string>;
  return {
    test: {
      projects: [
        {
          // Everything that can run inside the Workers runtime runs there.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                // An empty database on which a test replays the migration history step by step.
                d1Databases: {
                  UPGRADE_DB: "upgrade-test",
                  UPGRADE_SESSIONS_DB: "upgrade-sessions-test",
                  UPGRADE_FACTORS_DB: "upgrade-factors-test",
                },
                bindings: {
                  ...defaults,
                  TEST_MIGRATIONS: migrations,
                  // The lowest bcrypt cost keeps the suite fast; production uses wrangler.toml's value.
                  BCRYPT_COST: "4",
                  // Thousands of generated requests would bury the test report; one test turns it on.
                  LOG_REQUESTS: "false",
                  // No mail unless a test asks for it (with a capturing EMAIL binding, test/mail.ts).
                  MAIL_TRANSPORT: "none",
                  // A key of the tests' own: some set a non-local PUBLIC_URL, which refuses the local-only one.
                  ENCRYPTION_KEY: "dGVzdHMnIG93biBrZXksIDMyIGJ5dGVzIGV4YWN0bHk=",
                  // Signing keys of the tests' own, for the same reason (made for each run).
                  OIDC_SIGNING_KEYS: TEST_SIGNING_KEYS,
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: ["test/e2e/**"],
            setupFiles: ["./test/apply-migrations.ts"],
            isolate: false,
          },
        },
        {
          // What needs a real browser or the Node tools: the production bundle on workerd
          // (npm run serve's setup) driven by Chromium, and the Flask import script.
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            testTimeout: 60_000,
            hookTimeout: 120_000,
            globalSetup: ["./test/e2e/global-setup.ts"],
          },
        },
      ],
    },
  };
});
