#!/usr/bin/env node
// Loads N users into the local D1 that `npm start` and `npm run serve` use:
//   npm run seed -- --users 1000000
// Users are user<i>@seed.example with password "password" (or --password). One bcrypt hash at
// the configured BCRYPT_COST is reused for all of them. Re-running is safe.
import { parseArgs } from "node:util";
import { getPlatformProxy } from "wrangler";
import { migrateLocal } from "./lib/local-server.mjs";
import { progressLine, seedUsers } from "./lib/seed-users.mjs";
import { checkSettings, localVars } from "./lib/settings.mjs";

let values;
try {
  ({ values } = parseArgs({ options: { users: { type: "string", default: "1000" }, password: { type: "string", default: "password" } } }));
} catch {
  values = { users: "" }; // a flag without its value, or an unknown flag: print the usage below
}
const total = Number(values.users);
if (!Number.isInteger(total) || total < 1) {
  console.error("usage: npm run seed -- --users <positive integer>");
  process.exit(2);
}

// The hash is made at the Worker's BCRYPT_COST, read (and checked) by the Worker's own parser.
const config = checkSettings("seed", localVars());
migrateLocal();

// getPlatformProxy has no option for it: Miniflare's CLOUDFLARE_CF_FETCH_ENABLED=false stops it from
// fetching the `request.cf` placeholder from Cloudflare (offline: a warning and a stack trace).
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
const { env, dispose } = await getPlatformProxy({ persist: true });
try {
  const inserted = await seedUsers(env.DB, {
    total,
    password: values.password,
    cost: config.auth.bcryptCost,
    onProgress: progressLine("seeding users"),
  });
  const { n } = await env.DB.prepare("SELECT count(*) AS n FROM users").first();
  console.log(
    `seeded ${inserted} new users (${total - inserted} already there); users table holds ${n} rows; password "${values.password}"`,
  );
} finally {
  await dispose();
}
