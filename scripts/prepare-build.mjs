#!/usr/bin/env node
// What the Worker build takes that is built, not committed (all git-ignored). Run by npm start,
// npm test, the bundle builds and npm run deploy:
// - Swagger UI's standalone build, copied from the swagger-ui-dist package into the Worker's
//   static assets (public/docs/swagger-ui*), so /docs works offline and loads nothing from a CDN;
// - the OpenAPI document of the current code, public/openapi.json (the Worker serves it, see
//   src/http/openapi.ts);
// - build/zod.worker.js, the bundle's zod without its JSON Schema code (scripts/lib/worker-zod.mjs).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";

const root = path.resolve(import.meta.dirname, "..");
/** Package file -> name under public/docs/ (one level: the Worker's /docs/{file} route). */
const FILES = {
  "swagger-ui-bundle.js": "swagger-ui-bundle.js",
  "swagger-ui.css": "swagger-ui.css",
  LICENSE: "swagger-ui-LICENSE.txt",
  NOTICE: "swagger-ui-NOTICE.txt",
};

/** Builds public/openapi.json from the routes (node + OPENAPI_COMMAND); npm start reruns it when src/ changes. */
export const OPENAPI_COMMAND = [
  "--import",
  "tsx",
  path.join(root, "scripts/lib/openapi-document.ts"),
  path.join(root, "public/openapi.json"),
];

export function prepareBuild() {
  const require = createRequire(import.meta.url);
  const source = path.dirname(require.resolve("swagger-ui-dist/package.json"));
  const version = JSON.parse(readFileSync(path.join(source, "package.json"), "utf8")).version;
  const target = path.join(root, "public/docs");
  mkdirSync(target, { recursive: true });
  for (const [file, name] of Object.entries(FILES)) {
    const from = path.join(source, file);
    const to = path.join(target, name);
    if (!existsSync(to) || statSync(to).size !== statSync(from).size || statSync(to).mtimeMs < statSync(from).mtimeMs)
      copyFileSync(from, to);
  }
  // Each output is made again only when something it is made from is newer (every wrangler
  // command runs this step; a second or two each when they are).
  // In Node with the real generator (the Worker bundle has none): about a second.
  const document = path.join(root, "public/openapi.json");
  if (stale(document, [path.join(root, "src"), path.join(root, "scripts/lib/openapi-document.ts"), path.join(root, "package-lock.json")])) {
    execFileSync(process.execPath, OPENAPI_COMMAND, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  }
  // A child process: esbuild's plugins need its asynchronous API, and this step is synchronous.
  const workerZod = path.join(root, "build/zod.worker.js");
  if (
    stale(workerZod, [path.join(root, "build/zod.js"), path.join(root, "scripts/lib/worker-zod.mjs"), path.join(root, "package-lock.json")])
  ) {
    execFileSync(process.execPath, [path.join(root, "scripts/lib/worker-zod.mjs")], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  }
  return version;
}

/** The newest modification time of a file, or of any file in a folder (recursively). */
function newest(target) {
  const stat = statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(target, { recursive: true }).reduce(
    (latest, file) => Math.max(latest, statSync(path.join(target, file)).mtimeMs),
    stat.mtimeMs,
  );
}

/** Whether `output` is missing or older than any of `sources`. */
function stale(output, sources) {
  const made = statSync(output, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return made === 0 || sources.some((source) => newest(source) > made);
}

/**
 * As wrangler.toml's [build] command (wrangler runs it before every bundle: `wrangler dev`,
 * `wrangler deploy`, with or without our npm scripts): refuses a real deploy of the top level,
 * which is for local development only (placeholder database, tokens in answers, one-character
 * passwords) and shares production's Worker name; for a named environment, runs the deploy
 * checks unless `npm run deploy` just ran them (it says so in EDGE_AUTH_DEPLOY_CHECKED).
 */
async function guardWranglerRun(env) {
  const command = process.env.WRANGLER_COMMAND ?? "";
  if (command !== "deploy" && !command.startsWith("versions")) return;
  const { isDryRun } = await import("./lib/wrangler-run.mjs");
  if (!env) {
    // Our own scripts build the local bundle with --dry-run and say so (no need to look).
    if (process.env.EDGE_AUTH_LOCAL_BUNDLE === "1") return;
    const dryRun = isDryRun();
    if (dryRun === true) return;
    console.error(
      dryRun === false
        ? "build: refusing to deploy the top level of wrangler.toml, which is for local development only: deploy an environment, `npx wrangler deploy --env staging` or `--env production` (or CLOUDFLARE_ENV=production), after `npm run deploy -- --env <name> --dry-run` has checked it"
        : "build: cannot tell whether this is `wrangler deploy --dry-run` (its arguments cannot be read here): deploy an environment with --env staging or --env production, or set EDGE_AUTH_LOCAL_BUNDLE=1 for a local bundle",
    );
    process.exit(1);
  }
  if (process.env.EDGE_AUTH_DEPLOY_CHECKED === "1") return;
  const { deployRefusals } = await import("./lib/deploy-checks.mjs");
  // What `npm run deploy` takes as flags, a plain `wrangler deploy` takes from the environment.
  const allowed = (process.env.EDGE_AUTH_DEPLOY_ALLOW ?? "").split(",").map((item) => item.trim());
  const { refusals } = deployRefusals(env, {
    allow: { shortPasswords: allowed.includes("short-passwords"), tokensInResponses: allowed.includes("tokens-in-responses") },
  });
  if (refusals.length === 0) return;
  // A plain `wrangler deploy --dry-run` uploads nothing (Cloudflare's Git integration runs one on
  // every branch, with CLOUDFLARE_ENV set): it builds, and says what a real deploy would refuse.
  // `npm run deploy -- --dry-run` still stops on them (it checks before wrangler runs).
  if (isDryRun() === true) {
    for (const reason of refusals) console.error(`build: (dry run) a real deploy of ${env} would be refused: ${reason}`);
    return;
  }
  for (const reason of refusals) console.error(`build: ${reason}`);
  console.error(
    `build: nothing was deployed. (\`npm run deploy -- --env ${env}\` runs these checks and also the secrets', and applies the D1 migrations.)`,
  );
  process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { env: { type: "string" } } });
  // Each environment's [build] names it (--env); wrangler picks that build command itself when
  // CLOUDFLARE_ENV names an environment, so without --env this is the top level's, whatever
  // CLOUDFLARE_ENV says (`CLOUDFLARE_ENV=production wrangler deploy --env ""` deploys the top level).
  await guardWranglerRun(values.env ?? "");
  console.log(
    `prepare-build: Swagger UI ${prepareBuild()} in public/docs/, the OpenAPI document in public/openapi.json, the bundle's zod in build/zod.worker.js`,
  );
}
