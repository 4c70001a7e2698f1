#!/usr/bin/env node
// A production-like local server: the bundle `wrangler deploy` would upload, on workerd through
// Miniflare's API, without wrangler dev's development proxy (no live reload, no inspector).
// Same local D1 state as `npm start`, same [vars] and rate limits from wrangler.toml.
//   npm run serve                          -> http://127.0.0.1:8787
//   npm run serve -- --port 9000
//   npm run serve -- --var BCRYPT_COST:12  (like wrangler dev's --var)
// `npm run serve` applies pending migrations first (see package.json). --persist-to and
// --bundle exist for the stress script, which runs its own state and a prebuilt bundle.
import { parseArgs } from "node:util";
import { buildBundle, defaultPersistRoot, startLocalServer } from "./lib/local-server.mjs";

const usage = "usage: npm run serve -- [--port <1-65535>] [--ip <address>] [--var NAME:VALUE ...] [--persist-to <dir>] [--bundle <file>]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string", default: "8787" },
      ip: { type: "string", default: "127.0.0.1" },
      var: { type: "string", multiple: true, default: [] },
      "persist-to": { type: "string", default: defaultPersistRoot },
      bundle: { type: "string" },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
const port = Number(values.port);
const vars = Object.fromEntries(values.var.map((pair) => [pair.split(":")[0], pair.split(":").slice(1).join(":")]));
if (!Number.isInteger(port) || port < 1 || port > 65535 || Object.keys(vars).some((name) => !name)) {
  console.error(usage);
  process.exit(2);
}

const mf = await startLocalServer({
  port,
  ip: values.ip,
  persistRoot: values["persist-to"],
  bundle: values.bundle ?? buildBundle(),
  vars,
});
console.log(`edge-auth (production bundle on workerd) ready on http://${values.ip}:${port}`);

const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
