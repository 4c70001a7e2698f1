import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { LogLevel } from "miniflare";
import { inject } from "vitest";
import { configuredVars, migrateLocal, ServerLog, startLocalServer } from "../../scripts/lib/local-server.mjs";

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

export async function startService(
  options: {
    port?: number;
    persistRoot?: string;
    vars?: Record<string, string>;
    onLog?: (message: string) => void;
    /** The Worker's stdout and stderr lines (its JSON log), instead of the test output. */
    onOutput?: (line: string) => void;
    /** Other Workers beside it (Miniflare worker options). */
    extraWorkers?: object[];
  } = {},
) {
  const port = options.port ?? (await freePort());
  const tmp = mkdtempSync(path.join(os.tmpdir(), "edge-auth-e2e-"));
  const persistRoot = options.persistRoot ?? path.join(tmp, "state");
  migrateLocal(persistRoot);
  const bundle = inject("bundle");
  const mf = await startLocalServer({
    port,
    persistRoot,
    bundle,
    // localhost, not 127.0.0.1: browsers refuse passkeys on an IP address.
    vars: { ...configuredVars(), BCRYPT_COST: "4", LOG_REQUESTS: "false", PUBLIC_URL: `http://localhost:${port}`, ...options.vars },
    // Miniflare's own lines (the simulated EMAIL binding's among them) go to `onLog`, not the test output.
    log: new ServerLog(options.onLog, LogLevel.WARN),
    extraWorkers: options.extraWorkers ?? [],
    handleRuntimeStdio: options.onOutput
      ? (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
          for (const stream of [stdout, stderr]) {
            let rest = "";
            stream.on("data", (chunk: Buffer) => {
              const lines = (rest + chunk.toString("utf8")).split("\n");
              rest = lines.pop() ?? "";
              for (const line of lines) options.onOutput!(line);
            });
          }
        }
      : undefined,
  });
  return {
    mf,
    url: `http://localhost:${port}`,
    async stop() {
      await mf.dispose();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
