#!/usr/bin/env node
// `npm start`: checks the settings the way the Worker will, applies pending migrations to the
// local D1, then runs `wrangler dev`. Refuses a bad flag or setting before touching anything.
//   npm start                                  -> http://127.0.0.1:8787
//   npm start -- --port 9000 --ip 0.0.0.0
//   npm start -- --env staging                 (that environment's [vars] and bindings)
//   npm start -- --var PASSWORD_MIN_LENGTH:12  (like wrangler dev's --var; repeatable)
import { execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { copyDocsAssets } from "./copy-docs-assets.mjs";
import { checkSettings, localVars, root } from "./lib/settings.mjs";

const usage = "usage: npm start -- [--port <1-65535>] [--ip <address>] [--env <name>] [--var NAME:VALUE ...]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string", default: "8787" },
      ip: { type: "string", default: "127.0.0.1" },
      env: { type: "string" },
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
checkSettings("start", localVars({ env: values.env, overrides }));

copyDocsAssets();
const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");
// Offline machines: Miniflare would try to fetch the `request.cf` placeholder from Cloudflare and
// print a warning with a stack trace; locally request.cf holds Miniflare's placeholder either way.
const env = { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env };
// No prompt (CI=true): local migrations only ever add to the developer's own database.
execFileSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", ...envFlag], {
  cwd: root,
  stdio: "inherit",
  env: { ...env, CI: "true" },
});
const varFlags = values.var.flatMap((pair) => ["--var", pair]);
const dev = spawn(process.execPath, [wrangler, "dev", "--port", String(port), "--ip", values.ip, ...envFlag, ...varFlags], {
  cwd: root,
  stdio: "inherit",
  env,
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
