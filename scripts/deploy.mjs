#!/usr/bin/env node
// `npm run deploy -- --env <staging|production>`: checks what the deployment will run with, then
// applies pending migrations to that environment's remote D1 and runs `wrangler deploy`. Nothing
// is touched when a check fails; every refusal is listed at once, each on one line saying why and
// what to do.
//   npm run deploy -- --env staging
//   npm run deploy -- --env production
//   npm run deploy -- --env production --dry-run       (checks and builds into dist/, uploads nothing)
//   npm run deploy -- --env production --secrets-file .secrets.production   (secrets uploaded with it)
// Checks (scripts/lib/deploy-checks.mjs): the settings, through the Worker's own parser
// (src/config.ts), with the secrets the Worker has (`wrangler secret list`) or the ones given
// with --secrets-file; a real database_id (not the all-zero placeholder); for production,
// settings that must be safe unless overridden explicitly: PASSWORD_MIN_LENGTH 8 or more
// (--allow-short-passwords), reset tokens by mail only (--allow-tokens-in-responses); no
// example.com placeholder left in MAIL_FROM or PUBLIC_URL; no D1_FAULTS, and the fault layer
// defined out of the build. A plain `wrangler deploy --env <name>` runs the same checks but the
// secrets one in its build step (scripts/prepare-build.mjs).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { deployedSecretNames, deployRefusals, environments, neededSecrets, readSecretsFile } from "./lib/deploy-checks.mjs";
import { deployedVars, root } from "./lib/settings.mjs";

const usage =
  "usage: npm run deploy -- --env <staging|production> [--dry-run] [--secrets-file <file>] [--allow-short-passwords] [--allow-tokens-in-responses]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      env: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      "secrets-file": { type: "string" },
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
const refuse = (reasons) => {
  for (const reason of reasons) console.error(`deploy: ${reason}`);
  process.exit(2);
};

const defined = environments();
if (!values.env)
  refuse([
    `say which environment to deploy: --env ${defined.join(" or --env ")} (the top level of wrangler.toml is for local development)\n${usage}`,
  ]);
if (!defined.includes(values.env)) refuse([`wrangler.toml has no [env.${values.env}] (it has: ${defined.join(", ")})`]);

let secrets;
const secretsFile = values["secrets-file"] && path.resolve(values["secrets-file"]);
if (secretsFile) {
  if (!existsSync(secretsFile)) refuse([`--secrets-file ${values["secrets-file"]}: no such file`]);
  try {
    secrets = { values: readSecretsFile(secretsFile) };
  } catch (error) {
    refuse([`--secrets-file ${values["secrets-file"]} is neither JSON nor .env lines: ${error.message}`]);
  }
} else if (neededSecrets(deployedVars(values.env).vars).length > 0) {
  secrets = deployedSecretNames(values.env);
} else {
  secrets = { names: new Set() };
}

const allow = { shortPasswords: values["allow-short-passwords"], tokensInResponses: values["allow-tokens-in-responses"] };
const { refusals } = deployRefusals(values.env, { secrets, allow });
if (refusals.length > 0) refuse(refusals);

// Every check passed. wrangler runs the build step (scripts/prepare-build.mjs) before bundling;
// it need not check again, and it learns what was allowed here.
const wrangler = (...args) =>
  execFileSync(process.execPath, [path.join(root, "node_modules/wrangler/bin/wrangler.js"), ...args, "--env", values.env], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, EDGE_AUTH_DEPLOY_CHECKED: "1" },
  });
const withSecrets = secretsFile ? ["--secrets-file", secretsFile] : [];
if (values["dry-run"]) {
  wrangler("deploy", "--dry-run", "--outdir", path.join(root, "dist"), ...withSecrets);
} else {
  wrangler("d1", "migrations", "apply", "DB", "--remote");
  wrangler("deploy", ...withSecrets);
}
