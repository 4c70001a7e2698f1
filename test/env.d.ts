import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      UPGRADE_DB: D1Database;
      UPGRADE_SESSIONS_DB: D1Database;
      UPGRADE_FACTORS_DB: D1Database;
      // A setting wrangler.toml leaves unset (tests and stress builds only), which tests set per request.
      D1_FAULTS?: string;
      // A Worker secret in deployments; the tests' own key (vitest.config.ts).
      ENCRYPTION_KEY: string;
      OIDC_SIGNING_KEYS: string;
      COOKIE_DOMAIN: string;
    }
  }
}
