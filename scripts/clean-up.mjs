#!/usr/bin/env node
// `npm run clean-up`: runs the daily clean-up (the Worker's scheduled handler, src/jobs/clean-up.ts)
// once, now, against the local D1 that `npm start` and `npm run serve` use, and prints its line of
// counts. wrangler's own way (`wrangler dev --test-scheduled`, the curl npm start's warning
// suggests) does not reach the Worker when [assets] is configured: the assets router answers it.
// Here the production bundle runs on workerd through Miniflare, whose Worker stub can send it a
// scheduled event directly.
//   npm run clean-up
//   npm run clean-up -- --persist-to <dir>
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { buildBundle, defaultPersistRoot, migrateLocal, startLocalServer } from "./lib/local-server.mjs";
import { freePort } from "./lib/ports.mjs";
import { checkSettings, localVars, root } from "./lib/settings.mjs";

const usage = "usage: npm run clean-up -- [--persist-to <dir>]";
let values;
try {
  ({ values } = parseArgs({
    options: { "persist-to": { type: "string", default: defaultPersistRoot }, help: { type: "boolean", short: "h", default: false } },
  }));
} catch (error) {
  console.error(`clean-up: ${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
checkSettings("clean-up", localVars());
const cron = unstable_readConfig({ config: path.join(root, "wrangler.toml") }).triggers?.crons?.[0] ?? "17 3 * * *";

migrateLocal(values["persist-to"]);
const outdir = mkdtempSync(path.join(os.tmpdir(), "edge-auth-clean-up-"));
const mf = await startLocalServer({ port: await freePort(), persistRoot: values["persist-to"], bundle: buildBundle(outdir) });
try {
  // The Worker prints its own line of counts: {"level":"info","job":"clean-up",...}.
  const { outcome } = await (await mf.getWorker()).scheduled({ cron, scheduledTime: new Date() });
  if (outcome !== "ok") {
    console.error(`clean-up: the scheduled handler ended with "${outcome}"`);
    process.exitCode = 1;
  }
} finally {
  await mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
