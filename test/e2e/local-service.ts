import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { configuredVars, migrateLocal, startLocalServer } from "../../scripts/lib/local-server.mjs";

/** The production bundle on workerd (npm run serve's setup) with its own fresh local D1. */
/** A port nothing listens on right now, so parallel test runs do not collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startService(options: { port?: number; persistRoot?: string; vars?: Record<string, string> } = {}) {
  const port = options.port ?? (await freePort());
  const tmp = mkdtempSync(path.join(os.tmpdir(), "edge-auth-e2e-"));
  const persistRoot = options.persistRoot ?? path.join(tmp, "state");
  migrateLocal(persistRoot);
  const bundle = inject("bundle");
  const mf = await startLocalServer({
    port,
    persistRoot,
    bundle,
    vars: { ...configuredVars(), BCRYPT_COST: "4", LOG_REQUESTS: "false", ...options.vars },
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await mf.dispose();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
