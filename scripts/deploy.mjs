#!/usr/bin/env node
// `npm run deploy`: checks the settings the deployment will run with (wrangler.toml's vars for
// the chosen environment, parsed by the Worker's own parser), then applies pending migrations to
// the remote D1 and runs `wrangler deploy`. Nothing is touched when a check fails.
//   npm run deploy -- --env staging
//   npm run deploy -- --env production
//   npm run deploy -- --env production --dry-run   (checks and builds, uploads nothing)
import { execFileSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkSettings, deployedVars, root } from "./lib/settings.mjs";

const usage = "usage: npm run deploy -- [--env <name>] [--dry-run]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      env: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  console.error(`deploy: ${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const envFlag = values.env ? ["--env", values.env] : [];
checkSettings("deploy", deployedVars(values.env));

const wrangler = (...args) =>
  execFileSync(process.execPath, [path.join(root, "node_modules/wrangler/bin/wrangler.js"), ...args, ...envFlag], {
    cwd: root,
    stdio: "inherit",
  });
if (values["dry-run"]) {
  wrangler("deploy", "--dry-run", "--outdir", path.join(root, "dist"));
} else {
  wrangler("d1", "migrations", "apply", "DB", "--remote");
  wrangler("deploy");
}
