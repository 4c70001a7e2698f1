import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      UPGRADE_DB: D1Database;
      UPGRADE_SESSIONS_DB: D1Database;
      // Settings wrangler.toml leaves unset (their defaults), which tests set per request.
      D1_TIMEOUT_MS?: string;
      D1_FAULTS?: string;
    }
  }
}
