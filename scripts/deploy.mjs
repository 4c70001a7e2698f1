#!/usr/bin/env node
// `npm run deploy -- --env <staging|production>`: checks what the deployment will run with, then
// applies pending migrations to that environment's remote D1 and runs `wrangler deploy`. Nothing
// is touched when a check fails; each refusal is one line saying why and what to do.
//   npm run deploy -- --env staging
//   npm run deploy -- --env production
//   npm run deploy -- --env production --dry-run       (checks and builds into dist/, uploads nothing)
// Checks: the settings, through the Worker's own parser (src/config.ts); a real database_id (not
// the all-zero placeholder); and for production, settings that must be safe unless overridden
// explicitly: PASSWORD_MIN_LENGTH 8 or more (--allow-short-passwords), reset tokens by mail only
// (--allow-tokens-in-responses); and no example.com placeholder left in MAIL_FROM or PUBLIC_URL.
// In every environment: no D1_FAULTS, and the fault layer defined out of the build.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { prepareBuild } from "./prepare-build.mjs";
import { checkSettings, deployedVars, root } from "./lib/settings.mjs";

const usage = "usage: npm run deploy -- --env <staging|production> [--dry-run] [--allow-short-passwords] [--allow-tokens-in-responses]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      env: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      "allow-short-passwords": { type: "boolean", default: false },
      "allow-tokens-in-responses": { type: "boolean", default: false },
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
// wrangler itself also takes the environment from CLOUDFLARE_ENV.
values.env ??= process.env.CLOUDFLARE_ENV || undefined;
const refuse = (reason) => {
  console.error(`deploy: ${reason}`);
  process.exit(2);
};

const environments = unstable_readConfig({ config: path.join(root, "wrangler.toml") }).definedEnvironments ?? [];
if (!values.env)
  refuse(
    `say which environment to deploy: --env ${environments.join(" or --env ")} (the top level of wrangler.toml is for local development)\n${usage}`,
  );
if (!environments.includes(values.env)) refuse(`wrangler.toml has no [env.${values.env}] (it has: ${environments.join(", ")})`);

const config = unstable_readConfig({ config: path.join(root, "wrangler.toml"), env: values.env });
const settings = checkSettings("deploy", deployedVars(values.env));

const database = config.d1_databases.find((d) => d.binding === "DB");
// Checked by --dry-run too: a dry run that passes means the deploy's checks pass.
if (!database?.database_id || /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(database.database_id)) {
  refuse(
    `[env.${values.env}] has no D1 database yet: run \`npx wrangler d1 create ${database?.database_name ?? "<name>"}\` and put the printed database_id into wrangler.toml [[env.${values.env}.d1_databases]]`,
  );
}
if (values.env === "production" && settings.passwordMinLength < 8 && !values["allow-short-passwords"]) {
  refuse(
    `PASSWORD_MIN_LENGTH is ${settings.passwordMinLength} for production: passwords that short are guessed quickly. Set 8 or more in [env.production.vars], or deploy with --allow-short-passwords if you mean it`,
  );
}

// The D1 fault layer is for `npm run stress -- --faults` only: never in a deployed Worker.
if (settings.d1.faults > 0) {
  refuse(
    `D1_FAULTS is ${settings.d1.faults} in [env.${values.env}.vars]: it makes D1 calls fail on purpose (stress tests only). Remove it`,
  );
}
if (config.define?.EDGE_AUTH_FAULTS_BUILD !== "false") {
  refuse(
    `wrangler.toml [env.${values.env}.define] must set EDGE_AUTH_FAULTS_BUILD = "false" (it keeps the D1 fault layer out of the bundle)`,
  );
}

if (values.env === "production" && settings.auth.resetTokenDelivery === "response" && !values["allow-tokens-in-responses"]) {
  refuse(
    'RESET_TOKEN_DELIVERY is "response" for production: POST /reset_password would hand a working reset token to anyone who knows an address. Set "email" in [env.production.vars], or deploy with --allow-tokens-in-responses if every caller is trusted',
  );
}
if (settings.mail.transport !== "none") {
  for (const [name, value, what] of [
    ["MAIL_FROM", settings.mail.from, "the sender of every mail: an address of your domain"],
    ["PUBLIC_URL", settings.mail.publicUrl, "links in mail start with it: the service's own origin"],
  ]) {
    if (/example\.(com|test)\b/.test(value)) {
      refuse(`${name} is still the placeholder ${JSON.stringify(value)}: set it in [env.${values.env}.vars] (${what})`);
    }
  }
}

// Every check passed: build what the bundle takes that is not committed, then the bundle.
prepareBuild();

const wrangler = (...args) =>
  execFileSync(process.execPath, [path.join(root, "node_modules/wrangler/bin/wrangler.js"), ...args, "--env", values.env], {
    cwd: root,
    stdio: "inherit",
  });
if (values["dry-run"]) {
  wrangler("deploy", "--dry-run", "--outdir", path.join(root, "dist"));
} else {
  wrangler("d1", "migrations", "apply", "DB", "--remote");
  wrangler("deploy");
}
