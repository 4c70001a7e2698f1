// What `npm run deploy` (and, for a plain `wrangler deploy --env <name>`, the build step that
// wrangler runs first: scripts/prepare-build.mjs) checks before anything is uploaded. Each
// check adds one line to a list, so one run says everything that stands in the way.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv, stripVTControlCharacters } from "node:util";
import { unstable_readConfig } from "wrangler";
import { deployedVars, root, workerModule } from "./settings.mjs";

const { ConfigError, readConfig, SECRET_SETTINGS } = await workerModule("src/config.ts");

/** The environments wrangler.toml defines (`[env.<name>]`). */
export function environments() {
  return unstable_readConfig({ config: path.join(root, "wrangler.toml") }).definedEnvironments ?? [];
}

/** A `--secrets-file` as wrangler reads it: JSON (an object of strings) or .env lines. */
export function readSecretsFile(file) {
  const text = readFileSync(file, "utf8");
  const values = text.trimStart().startsWith("{") ? JSON.parse(text) : parseEnv(text);
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== "string") throw new Error(`${name} in ${file} is not a string`);
  }
  return values;
}

/**
 * The names of the secrets set on the environment's deployed Worker (`wrangler secret list`),
 * or { error } when wrangler cannot tell (never deployed, not logged in, offline).
 */
export function deployedSecretNames(env) {
  try {
    const output = execFileSync(
      process.execPath,
      [path.join(root, "node_modules/wrangler/bin/wrangler.js"), "secret", "list", "--env", env, "--format", "json"],
      {
        cwd: root,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, WRANGLER_HIDE_BANNER: "true", CI: "true" },
        timeout: 60_000,
      },
    );
    return { names: new Set(JSON.parse(output.slice(output.indexOf("["))).map((secret) => secret.name)) };
  } catch (error) {
    const output = stripVTControlCharacters(`${error.stderr ?? ""}${error.stdout ?? ""}`);
    const said = output.split("\n").find((line) => /\S/.test(line) && !/^\s*[▲⛅─]/.test(line));
    return {
      error: stripVTControlCharacters(said ?? error.message)
        .replace(/^\W+/, "")
        .trim()
        .slice(0, 200),
    };
  }
}

const ALL_ZERO = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;

/**
 * Every reason not to deploy `env`, as lines, and the parsed settings when they parse.
 * `secrets`: { values } (a secrets file) or { names } (set on the Worker) or { error } or
 * undefined (not checked: the build step, which cannot ask Cloudflare).
 * `allow`: { shortPasswords, tokensInResponses }, what the user explicitly accepted.
 */
export function deployRefusals(env, { secrets, allow = {} } = {}) {
  const refusals = [];
  const config = unstable_readConfig({ config: path.join(root, "wrangler.toml"), env });
  const { vars } = deployedVars(env);
  const where = `[env.${env}.vars]`;

  // Secrets are not in wrangler.toml: the parse sees the secrets file's values, or for a secret
  // the Worker has, a stand-in of the right form.
  const known =
    secrets?.values ??
    Object.fromEntries(
      [...(secrets?.names ?? [])]
        // Sign-in providers' secrets (OAUTH_GITHUB_CLIENT_SECRET, OIDC_<ID>_CLIENT_SECRET) are set or not: any value will do.
        .filter((n) => n in SECRET_SETTINGS || /_CLIENT_SECRET$/.test(n))
        .map((n) => [n, SECRET_SETTINGS[n] ?? "(set on the Worker)"]),
    );
  const unchecked = secrets === undefined || secrets.error !== undefined;
  const parseVars = { ...vars, ...known };
  if (unchecked) for (const [name, standIn] of Object.entries(SECRET_SETTINGS)) parseVars[name] ??= standIn;
  let settings;
  try {
    settings = readConfig(parseVars);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (error.variable in SECRET_SETTINGS && !(error.variable in known)) {
      refusals.push(
        `${error.variable} is not set for ${env}: ${error.allowed}. Set it with \`npx wrangler secret put ${error.variable} --env ${env}\`, or give it to this deploy in a file: --secrets-file <file>`,
      );
    } else {
      refusals.push(
        `${error.variable}=${JSON.stringify(error.value)} is refused: ${error.allowed} (set in ${error.variable in known ? "the secrets file" : `wrangler.toml ${where}`})`,
      );
    }
  }
  // A sign-in provider without its secret: off at run time, refused here with the variable's name.
  if (settings && !unchecked) {
    for (const { variable, problem } of settings.signIn.problems) {
      refusals.push(
        `${variable} is not set for ${env}: ${problem} --env ${env}, or give it to this deploy in a file: --secrets-file <file>`,
      );
    }
  }
  if (secrets?.error !== undefined && settings) {
    const needed = neededSecrets(vars);
    if (needed.length > 0) {
      refusals.push(
        `cannot tell whether ${needed.join(", ")} ${needed.length === 1 ? "is" : "are"} set for ${env}: \`wrangler secret list --env ${env}\` failed (${secrets.error}). Log in (\`npx wrangler login\`, or CLOUDFLARE_API_TOKEN), or give the secrets to this deploy: --secrets-file <file>`,
      );
    }
  }

  // A secret written into wrangler.toml is committed with it: it belongs in `wrangler secret put`.
  for (const name of Object.keys(SECRET_SETTINGS)) {
    if (name in vars) {
      refusals.push(
        `${name} is in wrangler.toml ${where}, which is committed: remove it there and set it as a secret (\`npx wrangler secret put ${name} --env ${env}\`)`,
      );
    }
  }

  const database = config.d1_databases.find((d) => d.binding === "DB");
  if (!database?.database_id || ALL_ZERO.test(database.database_id)) {
    refusals.push(
      `[env.${env}] has no D1 database yet: run \`npx wrangler d1 create ${database?.database_name ?? "<name>"}\` and put the printed database_id into wrangler.toml [[env.${env}.d1_databases]]`,
    );
  }
  if (settings && env === "production" && settings.passwordMinLength < 8 && !allow.shortPasswords) {
    refusals.push(
      `PASSWORD_MIN_LENGTH is ${settings.passwordMinLength} for production: passwords that short are guessed quickly. Set 8 or more in [env.production.vars], or deploy with --allow-short-passwords if you mean it`,
    );
  }
  // The D1 fault layer is for `npm run stress -- --faults` only: never in a deployed Worker.
  if (settings && settings.d1.faults > 0) {
    refusals.push(`D1_FAULTS is ${settings.d1.faults} in ${where}: it makes D1 calls fail on purpose (stress tests only). Remove it`);
  }
  if (config.define?.EDGE_AUTH_FAULTS_BUILD !== "false") {
    refusals.push(
      `wrangler.toml [env.${env}.define] must set EDGE_AUTH_FAULTS_BUILD = "false" (it keeps the D1 fault layer out of the bundle)`,
    );
  }
  if (settings && env === "production" && settings.auth.resetTokenDelivery === "response" && !allow.tokensInResponses) {
    refusals.push(
      'RESET_TOKEN_DELIVERY is "response" for production: POST /reset_password would hand a working reset token to anyone who knows an address. Set "email" in [env.production.vars], or deploy with --allow-tokens-in-responses if every caller is trusted',
    );
  }
  if (settings && settings.mail.transport !== "none") {
    for (const [name, value, what] of [
      ["MAIL_FROM", settings.mail.from, "the sender of every mail: an address of your domain"],
      ["PUBLIC_URL", settings.mail.publicUrl, "links in mail start with it: the service's own origin"],
    ]) {
      if (/example\.(com|test)\b/.test(value))
        refusals.push(`${name} is still the placeholder ${JSON.stringify(value)}: set it in ${where} (${what})`);
    }
  }
  return { refusals, settings };
}

/** The secrets these settings need: each one whose absence the Worker's parser refuses. */
export function neededSecrets(vars) {
  return Object.keys(SECRET_SETTINGS).filter((name) => {
    const others = Object.fromEntries(Object.entries(SECRET_SETTINGS).filter(([other]) => other !== name));
    const without = { ...others, ...vars };
    delete without[name];
    try {
      readConfig(without);
      return false;
    } catch (error) {
      return error instanceof ConfigError && error.variable === name;
    }
  });
}
