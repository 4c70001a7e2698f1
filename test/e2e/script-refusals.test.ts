import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

// What `npm start` and `npm run serve` refuse, with one line and before anything runs: a newcomer
// sees why, not workerd's stack trace or a server answering 503 to everything.
const root = path.resolve(import.meta.dirname, "../..");
const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, [path.join(root, "scripts", script), ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });

let busy: Server;
let busyPort: number;
beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

for (const script of ["start.mjs", "serve.mjs"]) {
  const program = script.replace(".mjs", "");

  it(`${program}: D1_FAULTS is refused with one line (only stress's fault-test build takes it)`, () => {
    const result = run(script, ["--port", String(busyPort), "--var", "D1_FAULTS:0.05"]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(new RegExp(`^${program}: D1_FAULTS is for \`npm run stress -- --faults\` only`)),
    ]);
  });

  it(`${program}: a busy port is one line naming it, exit code 1`, () => {
    const result = run(script, ["--port", String(busyPort)]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`${program}: port ${busyPort} on 127.0.0.1 is in use; pick another with --port`);
  });
}

it("serve: D1_FAULTS passes the check only for a prebuilt fault-test bundle (--bundle with --fault-build)", () => {
  // Same refusal without --fault-build; with it, the next check (the busy port) answers instead.
  const without = run("serve.mjs", ["--port", String(busyPort), "--var", "D1_FAULTS:0.05", "--bundle", "/nonexistent.js"]);
  expect(without.stderr).toMatch(/^serve: D1_FAULTS is for/);
  const withBuild = run("serve.mjs", [
    "--port",
    String(busyPort),
    "--var",
    "D1_FAULTS:0.05",
    "--bundle",
    "/nonexistent.js",
    "--fault-build",
  ]);
  expect(withBuild.stderr.trim()).toBe(`serve: port ${busyPort} on 127.0.0.1 is in use; pick another with --port`);
});
