// The Worker's own settings parser (src/config.ts), for Node scripts: every script reads the
// configuration through the same code as the deployed Worker, so a value the Worker would refuse
// stops the script before it starts, with one line. tsx loads the TypeScript module as it is.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";
import { unstable_getVarsForDev, unstable_readConfig } from "wrangler";

export const root = path.resolve(import.meta.dirname, "../..");
const wranglerToml = path.join(root, "wrangler.toml");

register();
/** A module of the Worker's source (TypeScript), e.g. "src/config.ts". */
export function workerModule(relativePath) {
  return import(pathToFileURL(path.join(root, relativePath)).href);
}
const { ConfigError, readConfig, MAX_BCRYPT_COST } = await workerModule("src/config.ts");
export { MAX_BCRYPT_COST };

/**
 * The vars a local run sees, as `wrangler dev` merges them: wrangler.toml's [vars] (or those of
 * `[env.<name>]`), then .dev.vars(.<name>) or .env, then `overrides` (--var). Each value keeps
 * where it came from, so a refusal can say which file to fix.
 */
export function localVars({ env, overrides = {}, devVars = true } = {}) {
  const configured = unstable_readConfig({ config: wranglerToml, env }).vars ?? {};
  const vars = {};
  const sources = {};
  const from = env ? `wrangler.toml [env.${env}.vars]` : "wrangler.toml [vars]";
  for (const [name, value] of Object.entries(configured)) [vars[name], sources[name]] = [String(value), from];
  if (devVars) {
    for (const [name, binding] of Object.entries(unstable_getVarsForDev(wranglerToml, undefined, configured, env, true))) {
      if (binding.type !== "secret_text") continue;
      // wrangler reads these from .dev.vars(.<env>), else .env files, and the process environment
      // when CLOUDFLARE_INCLUDE_PROCESS_ENV is true.
      const where = process.env.CLOUDFLARE_INCLUDE_PROCESS_ENV === "true" ? ", .env or the environment" : " (or .env)";
      [vars[name], sources[name]] = [String(binding.value), `${env ? `.dev.vars.${env}` : ".dev.vars"}${where}`];
    }
  }
  for (const [name, value] of Object.entries(overrides)) [vars[name], sources[name]] = [String(value), "--var"];
  return { vars, sources };
}

/** The vars a deployment gets from wrangler.toml (secrets are not readable from here). */
export function deployedVars(env) {
  return localVars({ env, devVars: false });
}

/**
 * Parses `vars` as the Worker does. On a value it would refuse: prints one line naming the
 * variable, its value, what is allowed and where it was set, and exits with code 2.
 */
export function checkSettings(script, { vars, sources = {} }) {
  try {
    return readConfig(vars);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const where = sources[error.variable] ? ` (set in ${sources[error.variable]})` : "";
    console.error(`${script}: ${error.variable}=${JSON.stringify(error.value)} is refused: ${error.allowed}${where}`);
    process.exit(2);
  }
}

/**
 * PUBLIC_URL is where links in mail point and the passkeys' origin (its host is their relying
 * party). A local server on another port or address than the default follows it, unless
 * PUBLIC_URL was set on purpose (.dev.vars, --var): the value to override it with, or undefined.
 * This machine is always `localhost` (browsers refuse passkeys on an IP address); another
 * address (a phone on the LAN) is used as it is only while passkeys are off.
 */
export function localPublicUrl({ vars, sources }, settings, ip, port) {
  const defaultUrl = "http://localhost:8787";
  const loopback = ["127.0.0.1", "0.0.0.0", "::1", "[::1]", "localhost"].includes(ip);
  const host = loopback || settings.auth.passkeys ? "localhost" : ip.includes(":") ? `[${ip}]` : ip;
  const here = `http://${host}:${port}`;
  const fromConfig = vars.PUBLIC_URL === defaultUrl && sources.PUBLIC_URL?.startsWith("wrangler.toml");
  return fromConfig && here !== defaultUrl ? here : undefined;
}
