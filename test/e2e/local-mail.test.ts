import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort } from "./local-service.js";

// Outside review 3, items 7 and 13: local mail was world-readable under /tmp and gone when the
// server stopped. `npm run serve` and `npm start` keep each message in a folder only its user can
// read (EDGE_AUTH_MAIL_DIR here, .mail/ by default) and `npm run mail` lists them.
const root = path.resolve(import.meta.dirname, "../..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "edge-auth-local-mail-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts a local server script and resolves once it answers; `lines` collects what it prints. */
async function start(script: string, args: string[], mailDir: string) {
  const lines: string[] = [];
  const child = spawn(process.execPath, [path.join(root, script), ...args], {
    cwd: root,
    env: { ...process.env, EDGE_AUTH_MAIL_DIR: mailDir, CI: "true", WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  for (const stream of [child.stdout!, child.stderr!])
    stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, lines, exited };
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function registerAndKeep(script: string, extra: string[]) {
  const port = await freePort();
  const mailDir = path.join(tmp, path.basename(script, ".mjs"));
  const state = path.join(tmp, `${path.basename(script, ".mjs")}-state`);
  const server = await start(script, ["--port", String(port), "--persist-to", state, ...extra], mailDir);
  const url = `http://127.0.0.1:${port}`;
  await until(async () => ((await fetch(`${url}/`).catch(() => undefined))?.ok ? true : undefined), "the server");
  const email = `kept-${Date.now()}@example.com`;
  expect((await fetch(`${url}/users`, { method: "POST", body: new URLSearchParams({ email, password: "pw" }) })).status).toBe(200);
  const saved = await until(() => server.lines.find((line) => line.includes("mail: saved to")), "the saved line");
  const temporary = await until(
    () => server.lines.find((line) => /^Text: /.test(line.replace(/\x1b\[[0-9;]*m/g, ""))),
    "the temporary file",
  );
  const temporaryFile = temporary
    .replace(/\x1b\[[0-9;]*m/g, "")
    .replace(/^Text: /, "")
    .trim();
  // What the local binding writes is its user's alone too (the servers' umask).
  expect(statSync(temporaryFile).mode & 0o777).toBe(0o600);
  server.child.kill("SIGTERM");
  expect(await server.exited).toBe(0);
  // Stopped means stopped: nothing the script started still answers on its port (npm start used
  // to exit on a SIGTERM and leave wrangler dev serving: wrangler's own signal listeners, added
  // when a script imports it, called process.exit() before ours ran).
  expect(
    await fetch(`${url}/`).then(
      () => "answered",
      () => "refused",
    ),
  ).toBe("refused");
  return { email, saved, mailDir, port };
}

function listed(mailDir: string) {
  const result = spawnSync(process.execPath, [path.join(root, "scripts/mail.mjs"), "--json"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, EDGE_AUTH_MAIL_DIR: mailDir },
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { to: string; subject: string; links: string[]; file: string }[];
}

it.each([
  ["scripts/serve.mjs", []],
  ["scripts/start.mjs", []],
] as const)(
  "%s keeps each mail, readable only by its user, after the server stops (a SIGTERM stops all of it); npm run mail lists it",
  async (script, extra) => {
    const { email, saved, mailDir, port } = await registerAndKeep(script, [...extra]);
    expect(saved).toMatch(/^mail: saved to .*\.txt \(npm run mail lists the latest\)$/);
    expect(statSync(mailDir).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(mailDir)) expect(statSync(path.join(mailDir, file)).mode & 0o777).toBe(0o600);
    const [mail] = listed(mailDir);
    expect(mail).toMatchObject({ to: email, subject: "Confirm your address for edge-auth" });
    expect(mail!.links).toEqual([expect.stringMatching(new RegExp(`^http://localhost:${port}/account/verify\\?token=[0-9a-f-]{36}$`))]);
    expect(statSync(mail!.file).isFile()).toBe(true);
  },
  180_000,
);
