#!/usr/bin/env node
// A production-like local server: the bundle `wrangler deploy` would upload, on workerd through
// Miniflare's API, without wrangler dev's development proxy (no live reload, no inspector).
// Same local D1 state as `npm start`, same [vars] and rate limits from wrangler.toml.
//   npm run serve                 -> http://127.0.0.1:8787
//   npm run serve -- --port 9000
// `npm run serve` applies pending migrations first (see package.json).
import { parseArgs } from "node:util";
import { buildBundle, startLocalServer } from "./lib/local-server.mjs";

const { values } = parseArgs({ options: { port: { type: "string", default: "8787" }, ip: { type: "string", default: "127.0.0.1" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error("usage: npm run serve -- [--port <1-65535>] [--ip <address>]");
  process.exit(2);
}

const mf = await startLocalServer({ port, ip: values.ip, bundle: buildBundle() });
console.log(`edge-auth (production bundle on workerd) ready on http://${values.ip}:${port}`);

const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
