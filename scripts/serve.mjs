#!/usr/bin/env node
// A production-like local server: the bundle `wrangler deploy` would upload, on workerd through
// Miniflare's API, without wrangler dev's development proxy (no live reload, no inspector).
// Same local D1 state as `npm start`, same [vars] and rate limits from wrangler.toml.
//   npm run serve                          -> http://localhost:8787
//   npm run serve -- --port 9000
//   npm run serve -- --var BCRYPT_COST:12  (like wrangler dev's --var)
// It checks the settings as the Worker will, then applies pending migrations. --persist-to and
// --bundle exist for the stress script, which runs its own state and a prebuilt bundle, and
// --fault-build says that bundle is a fault-test build (the only one D1_FAULTS may be set for).
// A port already in use gets one line saying so and exit code 1.
import { parseArgs } from "node:util";
import { buildBundle, defaultPersistRoot, migrateLocal, ServerLog, startLocalServer } from "./lib/local-server.mjs";
import { saveLoggedMail } from "./lib/local-mail.mjs";
import { describePortProblem, portProblem } from "./lib/ports.mjs";
import { checkSettings, localPublicUrl, localVars } from "./lib/settings.mjs";
import { onStopSignals } from "./lib/signals.mjs";

const usage =
  "usage: npm run serve -- [--port <1-65535>] [--ip <address>] [--var NAME:VALUE ...] [--persist-to <dir>] [--bundle <file> [--fault-build]]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      help: { type: "boolean", short: "h", default: false },
      port: { type: "string", default: "8787" },
      ip: { type: "string", default: "127.0.0.1" },
      var: { type: "string", multiple: true, default: [] },
      "persist-to": { type: "string", default: defaultPersistRoot },
      bundle: { type: "string" },
      "fault-build": { type: "boolean", default: false },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
// Files this server writes (local mail with its links, the local D1) are its user's alone.
process.umask(0o077);
const port = Number(values.port);
const vars = Object.fromEntries(values.var.map((pair) => [pair.split(":")[0], pair.split(":").slice(1).join(":")]));
if (!Number.isInteger(port) || port < 1 || port > 65535 || Object.keys(vars).some((name) => !name)) {
  console.error(usage);
  process.exit(2);
}

// Checked before building the bundle and starting workerd, which would otherwise fail with its
// own exception and a stack trace.
const local = localVars({ overrides: vars });
const settings = checkSettings("serve", local);
if (settings.d1.faults > 0 && !(values.bundle && values["fault-build"])) {
  console.error(
    `serve: D1_FAULTS is for \`npm run stress -- --faults\` only (this bundle has no fault layer and would answer 503 to everything); remove it (set in ${local.sources.D1_FAULTS})`,
  );
  process.exit(2);
}
const problem = await portProblem(port, values.ip);
if (problem) {
  console.error(describePortProblem("serve", problem, port, values.ip));
  process.exit(1);
}

// Links in mail and the passkeys' origin follow the port, unless PUBLIC_URL was set on purpose.
const publicUrl = localPublicUrl(local, settings, values.ip, port);
if (publicUrl) vars.PUBLIC_URL = publicUrl;

migrateLocal(values["persist-to"]);
let mf;
try {
  mf = await startLocalServer({
    port,
    ip: values.ip,
    persistRoot: values["persist-to"],
    bundle: values.bundle ?? buildBundle(),
    vars,
    // INFO: each mail the local EMAIL binding simulates is printed (recipient, subject, files),
    // and kept in .mail/ (the binding's own files go when the server stops).
    log: new ServerLog((message) => saveLoggedMail(message)),
  });
} catch (error) {
  // Something took the port between the check and workerd's bind.
  if (error?.code !== "ERR_ADDRESS_IN_USE") throw error;
  console.error(describePortProblem("serve", "EADDRINUSE", port, values.ip));
  process.exit(1);
}
console.log(
  `edge-auth (production bundle on workerd) listening on ${values.ip}:${port}: open ${publicUrl ?? vars.PUBLIC_URL ?? "http://localhost:8787"}`,
);

const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
onStopSignals(stop);
