#!/usr/bin/env node
// `npm start`: checks the settings the way the Worker will, applies pending migrations to the
// local D1, then runs `wrangler dev`. Refuses a bad flag or setting before touching anything.
//   npm start                                  -> http://localhost:8787
//   npm start -- --port 9000 --ip 0.0.0.0
//   npm start -- --env staging                 (that environment's [vars] and bindings)
//   npm start -- --var PASSWORD_MIN_LENGTH:12  (like wrangler dev's --var; repeatable)
import { execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { countAppliedMigrations } from "./lib/local-server.mjs";
import { describePortProblem, portProblem } from "./lib/ports.mjs";
import { checkSettings, localPublicUrl, localVars, root } from "./lib/settings.mjs";
import { onStopSignals } from "./lib/signals.mjs";

const usage = "usage: npm start -- [--port <1-65535>] [--ip <address>] [--env <name>] [--var NAME:VALUE ...] [--persist-to <dir>]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string", default: "8787" },
      ip: { type: "string", default: "127.0.0.1" },
      env: { type: "string" },
      "persist-to": { type: "string" },
      var: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  console.error(`start: ${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
// Files the server writes (local mail with its links, the local D1) are this user's alone.
process.umask(0o077);
const port = Number(values.port);
const overrides = Object.fromEntries(values.var.map((pair) => [pair.split(":")[0], pair.split(":").slice(1).join(":")]));
if (!/^\d+$/.test(values.port) || port < 1 || port > 65535) {
  console.error(`start: --port ${JSON.stringify(values.port)} is not a port number\n${usage}`);
  process.exit(2);
}
if (values.var.some((pair) => !pair.includes(":")) || Object.keys(overrides).some((name) => !/^[A-Z_][A-Z0-9_]*$/.test(name))) {
  console.error(`start: --var takes NAME:VALUE\n${usage}`);
  process.exit(2);
}
// --env "" names the top level (local development) explicitly: wrangler.toml has environments.
const envFlag = ["--env", values.env ?? ""];
// Another local state than .wrangler/state (a second instance, say), as wrangler's own flag.
const persistFlag = values["persist-to"] ? ["--persist-to", values["persist-to"]] : [];
const local = localVars({ env: values.env, overrides });
const settings = checkSettings("start", local);
if (settings.d1.faults > 0) {
  console.error(
    `start: D1_FAULTS is for \`npm run stress -- --faults\` only (this server would answer 503 to everything); remove it (set in ${local.sources.D1_FAULTS})`,
  );
  process.exit(2);
}
// Links in mail and the passkeys' origin follow the port, unless PUBLIC_URL was set on purpose.
const publicUrl = localPublicUrl(local, settings, values.ip, port);
const extraVars = publicUrl ? ["--var", `PUBLIC_URL:${publicUrl}`] : [];
// A busy port is one line, not workerd's exception with a stack trace.
const problem = await portProblem(port, values.ip);
if (problem) {
  console.error(describePortProblem("start", problem, port, values.ip));
  process.exit(1);
}

const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");
// Offline machines: Miniflare would try to fetch the `request.cf` placeholder from Cloudflare and
// print a warning with a stack trace; locally request.cf holds Miniflare's placeholder either way.
const env = { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env };
// No prompt (CI=true): local migrations only ever add to the developer's own database. Their
// tables are printed only when something goes wrong; otherwise one line says what was done.
try {
  const output = execFileSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", ...envFlag, ...persistFlag], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, CI: "true", WRANGLER_HIDE_BANNER: "true" },
  });
  const applied = countAppliedMigrations(output);
  console.log(`start: local D1 ${applied ? `migrated (${applied} migration${applied === 1 ? "" : "s"} applied)` : "up to date"}`);
} catch (error) {
  process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? ""}`);
  console.error("start: applying the migrations to the local D1 failed (above)");
  process.exit(1);
}
const varFlags = [...values.var.flatMap((pair) => ["--var", pair]), ...extraVars];
// Each mail the local binding "sends" is kept in .mail/ by a module preloaded into wrangler
// (it reads wrangler's output from inside, so the terminal keeps wrangler's keys and colours).
const keepMail = pathToFileURL(path.join(root, "scripts/lib/keep-local-mail.mjs")).href;
const dev = spawn(
  process.execPath,
  ["--import", keepMail, wrangler, "dev", "--port", String(port), "--ip", values.ip, ...envFlag, ...persistFlag, ...varFlags],
  {
    cwd: root,
    stdio: "inherit",
    // No "update available" banner: newer wrangler releases refuse Node 20 (docs/operations.md).
    env: { ...env, WRANGLER_HIDE_BANNER: "true", EDGE_AUTH_OPEN_URL: publicUrl ?? local.vars.PUBLIC_URL ?? "http://localhost:8787" },
  },
);
// Passed on to wrangler dev, and this script ends when it has.
onStopSignals((signal) => dev.kill(signal));

dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
