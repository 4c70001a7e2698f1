import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { migrateLocal, startLocalServer } from "../../scripts/lib/local-server.mjs";

/** The production bundle on workerd (npm run serve's setup) with its own fresh local D1. */
export async function startService(options: { port: number; persistRoot?: string; vars?: Record<string, string> }) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "edge-auth-e2e-"));
  const persistRoot = options.persistRoot ?? path.join(tmp, "state");
  migrateLocal(persistRoot);
  const bundle = inject("bundle");
  const mf = await startLocalServer({
    port: options.port,
    persistRoot,
    bundle,
    vars: { BCRYPT_COST: "4", LOG_REQUESTS: "false", ...options.vars },
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    async stop() {
      await mf.dispose();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
