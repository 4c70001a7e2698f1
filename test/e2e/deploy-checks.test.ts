import { generateKeyPairSync } from "node:crypto";
import { LOCAL_ONLY_SIGNING_KEYS } from "../../src/auth/oauth-keys.js";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

// `npm run deploy` refuses, before anything is built or uploaded, what would make a deployment
// unsafe or broken, every reason at once, one line each; --dry-run runs the same checks, and so
// does the build step of a plain `wrangler deploy --env <name>`. Run in a copy of the project
// whose wrangler.toml each test edits (no Cloudflare account is needed: nothing gets that far).
const root = path.resolve(import.meta.dirname, "../..");
let copy: string;
let original: string;

beforeAll(() => {
  copy = mkdtempSync(path.join(os.tmpdir(), "edge-auth-deploy-"));
  const skip = new Set(["node_modules", ".git", ".wrangler", "dist", "public", "test-output", ".dev.vars"]);
  cpSync(root, copy, { recursive: true, filter: (source) => !skip.has(path.relative(root, source).split(path.sep)[0]!) });
  symlinkSync(path.join(root, "node_modules"), path.join(copy, "node_modules"), "dir");
  original = readFileSync(path.join(copy, "wrangler.toml"), "utf8");
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** wrangler.toml's production section with its placeholders filled in, as a user would. */
const ready = () =>
  original
    .replace(
      /(database_name = "edge-auth-production"\ndatabase_id = )"0{8}-0{4}-0{4}-0{4}-0{12}"/,
      '$1"2b7a5d2e-0c1f-4b7e-9a53-7f0c1e2d3a4b"',
    )
    .replace('MAIL_FROM = "edge-auth <no-reply@auth.example.com>"', 'MAIL_FROM = "edge-auth <no-reply@auth.edge-auth.dev>"')
    .replace('PUBLIC_URL = "https://auth.example.com"', 'PUBLIC_URL = "https://auth.edge-auth.dev"');

/** In production's [vars], NAME's value becomes `value` (or a new line). */
const withVar = (toml: string, name: string, value: string) => {
  const section = toml.indexOf("[env.production.vars]");
  const line = new RegExp(`^${name} = .*$`, "m");
  const rest = toml.slice(section);
  return (
    toml.slice(0, section) +
    (line.test(rest)
      ? rest.replace(line, `${name} = "${value}"`)
      : rest.replace("[env.production.vars]\n", `[env.production.vars]\n${name} = "${value}"\n`))
  );
};

const run = (toml: string, command: string[], env: Record<string, string> = {}) => {
  writeFileSync(path.join(copy, "wrangler.toml"), toml);
  rmSync(path.join(copy, "dist"), { recursive: true, force: true });
  const result = spawnSync(process.execPath, command, {
    cwd: copy,
    encoding: "utf8",
    env: { ...process.env, CLOUDFLARE_ENV: "", WRANGLER_HIDE_BANNER: "true", CI: "true", ...env },
    timeout: 120_000,
  });
  return {
    status: result.status,
    stderr: result.stderr.trim(),
    output: `${result.stdout}${result.stderr}`,
    built: existsSync(path.join(copy, "dist/index.js")),
  };
};
const KEY = "ZWRnZS1hdXRoIGRlcGxveS1jaGVjayB0ZXN0IGtleSE=";
/** OIDC_SIGNING_KEYS as `npm run keys -- new` makes it (the first key signs). */
const SIGNING = JSON.stringify([
  {
    kid: "deploy-test",
    alg: "RS256",
    use: "sig",
    ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }),
  },
]);
/** `npm run deploy`; with ENCRYPTION_KEY and OIDC_SIGNING_KEYS (every deployment needs them) in a secrets file unless the test gives its own. */
const deploy = (toml: string, ...args: string[]) => {
  const file = path.join(copy, "encryption.env");
  writeFileSync(file, `ENCRYPTION_KEY=${KEY}\nOIDC_SIGNING_KEYS=${SIGNING}\n`);
  const secrets = args.includes("--secrets-file") ? [] : ["--secrets-file", file];
  return run(toml, [path.join(copy, "scripts/deploy.mjs"), ...args, ...(args.includes("--env") ? secrets : [])]);
};
/** Plain wrangler, as Cloudflare's Git integration or a person runs it (no npm script). */
const wrangler = (toml: string, ...args: string[]) => run(toml, [path.join(copy, "node_modules/wrangler/bin/wrangler.js"), ...args]);

it("asks for an environment: the top level of wrangler.toml is for local development", () => {
  const result = deploy(original, "--dry-run");
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(/^deploy: say which environment to deploy: --env staging or --env production/);
});

it("refuses the all-zero database placeholder, in a dry run too", () => {
  const result = deploy(original, "--env", "production", "--dry-run");
  expect(result).toMatchObject({ status: 2, built: false });
  expect(result.stderr.split("\n")[0]).toBe(
    "deploy: [env.production] has no D1 database yet: run `npx wrangler d1 create edge-auth-production` and put the printed database_id into wrangler.toml [[env.production.d1_databases]]",
  );
});

it("refuses the example.com placeholders of MAIL_FROM and PUBLIC_URL, each saying what it is for, every refusal at once", () => {
  const withIdOnly = ready()
    .replace('MAIL_FROM = "edge-auth <no-reply@auth.edge-auth.dev>"', 'MAIL_FROM = "edge-auth <no-reply@auth.example.com>"')
    .replace('PUBLIC_URL = "https://auth.edge-auth.dev"', 'PUBLIC_URL = "https://auth.example.com"');
  expect(deploy(withIdOnly, "--env", "production", "--dry-run").stderr.split("\n")).toEqual([
    'deploy: MAIL_FROM is still the placeholder "edge-auth <no-reply@auth.example.com>": set it in [env.production.vars] (the sender of every mail: an address of your domain)',
    'deploy: PUBLIC_URL is still the placeholder "https://auth.example.com": set it in [env.production.vars] (links in mail start with it: the service\'s own origin)',
  ]);
  // The untouched file: the database, and both placeholders, in one run.
  expect(
    deploy(original, "--env", "production", "--dry-run")
      .stderr.split("\n")
      .map((line) => line.slice(0, 40)),
  ).toEqual([
    "deploy: [env.production] has no D1 datab",
    "deploy: MAIL_FROM is still the placehold",
    "deploy: PUBLIC_URL is still the placehol",
  ]);
});

it("refuses unsafe production settings unless told explicitly, and D1_FAULTS everywhere", () => {
  const short = deploy(withVar(ready(), "PASSWORD_MIN_LENGTH", "4"), "--env", "production", "--dry-run");
  expect(short).toMatchObject({ status: 2, built: false });
  expect(short.stderr).toMatch(/^deploy: PASSWORD_MIN_LENGTH is 4 for production: .* --allow-short-passwords/);
  const tokens = deploy(withVar(ready(), "RESET_TOKEN_DELIVERY", "response"), "--env", "production", "--dry-run");
  expect(tokens).toMatchObject({ status: 2, built: false });
  expect(tokens.stderr).toMatch(/^deploy: RESET_TOKEN_DELIVERY is "response" for production: .* --allow-tokens-in-responses/);
  const faults = deploy(withVar(ready(), "D1_FAULTS", "0.05"), "--env", "production", "--dry-run");
  expect(faults).toMatchObject({ status: 2, built: false });
  expect(faults.stderr).toMatch(/^deploy: D1_FAULTS is 0.05 in \[env.production.vars\]/);
  const faultBuild = deploy(
    ready().replace(/(\[env\.production\.define\]\nEDGE_AUTH_FAULTS_BUILD = )"false"/, '$1"true"'),
    "--env",
    "production",
    "--dry-run",
  );
  expect(faultBuild.stderr).toMatch(/^deploy: wrangler.toml \[env.production.define\] must set EDGE_AUTH_FAULTS_BUILD = "false"/);
  const refused = deploy(withVar(ready(), "BCRYPT_COST", "abc"), "--env", "production", "--dry-run");
  expect(refused).toMatchObject({ status: 2, built: false });
  expect(refused.stderr).toMatch(/^deploy: BCRYPT_COST="abc" is refused/);
});

it("with the placeholders filled in, the dry run passes its checks and builds the bundle", () => {
  const result = deploy(ready(), "--env", "production", "--dry-run");
  expect(result.stderr).not.toMatch(/^deploy:/m);
  expect(result).toMatchObject({ status: 0, built: true });
});

it("a secret is checked where it lives: given with --secrets-file, or asked of Cloudflare, with a clear line when neither can tell", () => {
  const resend = withVar(ready(), "MAIL_TRANSPORT", "resend");
  // Offline here: `wrangler secret list` cannot answer.
  const unknown = run(resend, [path.join(copy, "scripts/deploy.mjs"), "--env", "production", "--dry-run"]);
  expect(unknown).toMatchObject({ status: 2, built: false });
  expect(unknown.stderr).toMatch(
    /^deploy: cannot tell whether [A-Z_, ]+ are set for production: `wrangler secret list --env production` failed \(.+\)\. .*--secrets-file <file>$/,
  );
  for (const name of ["RESEND_API_KEY", "ENCRYPTION_KEY", "OIDC_SIGNING_KEYS"]) expect(unknown.stderr.split(" are set")[0]).toContain(name);
  const file = path.join(copy, "secrets.env");
  writeFileSync(file, `OTHER=1\nENCRYPTION_KEY=${KEY}\nOIDC_SIGNING_KEYS=${SIGNING}\n`);
  expect(deploy(resend, "--env", "production", "--dry-run", "--secrets-file", file).stderr).toMatch(
    /^deploy: RESEND_API_KEY is not set for production: must be set .* `npx wrangler secret put RESEND_API_KEY --env production`, or give it to this deploy in a file: --secrets-file <file>$/,
  );
  writeFileSync(file, `RESEND_API_KEY=re_123\nENCRYPTION_KEY=${KEY}\nOIDC_SIGNING_KEYS=${SIGNING}\n`);
  expect(deploy(resend, "--env", "production", "--dry-run", "--secrets-file", file)).toMatchObject({ status: 0, built: true });
  writeFileSync(file, JSON.stringify({ RESEND_API_KEY: "re_123", ENCRYPTION_KEY: KEY, OIDC_SIGNING_KEYS: SIGNING }));
  expect(deploy(resend, "--env", "production", "--dry-run", "--secrets-file", file)).toMatchObject({ status: 0, built: true });
});

it("every deployment needs its own ENCRYPTION_KEY (the TOTP secrets' key): missing, malformed or the published local-only key is refused", () => {
  const file = path.join(copy, "secrets.env");
  writeFileSync(file, "OTHER=1\n");
  const missing = deploy(ready(), "--env", "production", "--dry-run", "--secrets-file", file);
  expect(missing).toMatchObject({ status: 2, built: false });
  expect(missing.stderr).toMatch(
    /^deploy: ENCRYPTION_KEY is not set for production: must be set for a deployment .*openssl rand -base64 32 .*--secrets-file <file>$/,
  );
  writeFileSync(file, "ENCRYPTION_KEY=bG9jYWwtb25seSBrZXksIG5ldmVyIGRlcGxveSBpdCE=\n");
  expect(deploy(ready(), "--env", "production", "--dry-run", "--secrets-file", file).stderr).toMatch(
    /^deploy: ENCRYPTION_KEY="\(the local-only key\)" is refused: is published in the source/,
  );
  writeFileSync(file, "ENCRYPTION_KEY=too-short\n");
  const short = deploy(ready(), "--env", "production", "--dry-run", "--secrets-file", file);
  expect(short.stderr).toMatch(/^deploy: ENCRYPTION_KEY="\(hidden\)" is refused/);
  expect(short.stderr).not.toContain("too-short");
  // Offline, nothing can say whether the Worker has it: a clear line, not a guess.
  const offline = run(ready(), [path.join(copy, "scripts/deploy.mjs"), "--env", "staging", "--dry-run"]);
  expect(offline.stderr).toMatch(/cannot tell whether ENCRYPTION_KEY, OIDC_SIGNING_KEYS are set for staging/);
});

it("every deployment needs its own OIDC_SIGNING_KEYS: missing, malformed or the published local-only keys are refused", () => {
  const file = path.join(copy, "secrets.env");
  writeFileSync(file, `ENCRYPTION_KEY=${KEY}\n`);
  const missing = deploy(ready(), "--env", "production", "--dry-run", "--secrets-file", file);
  expect(missing).toMatchObject({ status: 2, built: false });
  expect(missing.stderr).toMatch(
    /^deploy: OIDC_SIGNING_KEYS is not set for production: must be set for a deployment .*npm run keys -- new/,
  );
  writeFileSync(file, JSON.stringify({ ENCRYPTION_KEY: KEY, OIDC_SIGNING_KEYS: LOCAL_ONLY_SIGNING_KEYS }));
  expect(deploy(ready(), "--env", "production", "--dry-run", "--secrets-file", file).stderr).toMatch(
    /^deploy: OIDC_SIGNING_KEYS="\(the local-only keys\)" is refused: are published in the source/,
  );
  writeFileSync(file, JSON.stringify({ ENCRYPTION_KEY: KEY, OIDC_SIGNING_KEYS: "[1,2]" }));
  expect(deploy(ready(), "--env", "production", "--dry-run", "--secrets-file", file).stderr).toMatch(
    /^deploy: OIDC_SIGNING_KEYS="\(hidden\)" is refused/,
  );
});

it("plain wrangler on a fresh clone: `deploy --dry-run` builds the local bundle; `deploy` of the top level is refused with a line naming --env", () => {
  rmSync(path.join(copy, "build/zod.worker.js"), { force: true });
  const dry = wrangler(original, "deploy", "--dry-run", "--outdir", "dist");
  expect(dry.status, dry.output).toBe(0);
  expect(dry.built).toBe(true);
  const real = wrangler(original, "deploy");
  expect(real.status).not.toBe(0);
  expect(real.output).toContain("build: refusing to deploy the top level of wrangler.toml, which is for local development only");
  expect(real.output).toContain("--env production");
  expect(real.output).not.toMatch(/Uploaded|Total Upload/);
});

it("plain `wrangler deploy --env production` runs the deploy checks in its build step, before anything is uploaded", () => {
  const result = wrangler(withVar(ready(), "PASSWORD_MIN_LENGTH", "4"), "deploy", "--env", "production");
  expect(result.status).not.toBe(0);
  expect(result.output).toMatch(/build: PASSWORD_MIN_LENGTH is 4 for production/);
  expect(result.output).not.toMatch(/Uploaded|Total Upload/);
  // What npm run deploy takes as a flag, the build step takes from EDGE_AUTH_DEPLOY_ALLOW.
  const allowed = run(
    withVar(ready(), "PASSWORD_MIN_LENGTH", "4"),
    [path.join(copy, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--env", "production", "--dry-run", "--outdir", "dist"],
    { EDGE_AUTH_DEPLOY_ALLOW: "short-passwords" },
  );
  expect(allowed).toMatchObject({ status: 0, built: true });
});

it("plain `wrangler deploy --dry-run` of an environment (as Cloudflare's Git integration runs it, CLOUDFLARE_ENV set) builds on a fresh clone, saying what a real deploy would refuse", () => {
  for (const [args, extra] of [
    [["deploy", "--dry-run", "--env", "staging", "--outdir", "dist"], {}],
    [["deploy", "--dry-run", "--outdir", "dist"], { CLOUDFLARE_ENV: "staging" }],
  ] as const) {
    rmSync(path.join(copy, "dist"), { recursive: true, force: true });
    const result = run(original, [path.join(copy, "node_modules/wrangler/bin/wrangler.js"), ...args], { ...extra });
    expect(result.status, result.output).toBe(0);
    expect(result.built).toBe(true);
    expect(result.output).toContain("build: (dry run) a real deploy of staging would be refused: [env.staging] has no D1 database yet");
  }
  // A real deploy of the same still stops before anything is uploaded.
  const real = wrangler(original, "deploy", "--env", "staging");
  expect(real.status).not.toBe(0);
  expect(real.output).toContain("build: nothing was deployed");
  expect(real.output).not.toMatch(/Uploaded|Total Upload/);
});

it("outside review of #18: `--dry-run false`, CLOUDFLARE_ENV and a secret in wrangler.toml do not slip past", () => {
  for (const args of [
    ["deploy", "--dry-run", "false"],
    ["deploy", "--dryRun", "false"],
    ["versions", "upload", "--dry-run", "false"],
  ]) {
    const result = wrangler(original, ...args);
    expect(result.status, args.join(" ")).not.toBe(0);
    expect(result.output).toContain("build: refusing to deploy the top level of wrangler.toml");
  }
  // wrangler deploys the top level here whatever CLOUDFLARE_ENV says; so does the guard's verdict.
  const topLevel = run(ready(), [path.join(copy, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--env", ""], {
    CLOUDFLARE_ENV: "production",
  });
  expect(topLevel.status).not.toBe(0);
  expect(topLevel.output).toContain("build: refusing to deploy the top level of wrangler.toml");
  const committed = deploy(withVar(ready(), "RESEND_API_KEY", "re_live_123"), "--env", "production", "--dry-run");
  expect(committed.status).toBe(2);
  expect(committed.stderr).toContain("deploy: RESEND_API_KEY is in wrangler.toml [env.production.vars], which is committed");
  // What `wrangler secret list` said is quoted without its colours.
  const unknown = deploy(withVar(ready(), "MAIL_TRANSPORT", "resend"), "--env", "production", "--dry-run");
  expect(unknown.stderr).not.toMatch(/\x1b|\[\d+(;\d+)*m/);
});

it("a sign-in provider without its secret is refused by name; with it, the deploy passes", () => {
  const withGithub = withVar(ready(), "OAUTH_GITHUB_CLIENT_ID", "Iv1.example");
  const file = path.join(copy, "secrets.env");
  writeFileSync(file, `ENCRYPTION_KEY=${KEY}\nOIDC_SIGNING_KEYS=${SIGNING}\n`);
  const missing = deploy(withGithub, "--env", "production", "--dry-run", "--secrets-file", file);
  expect(missing).toMatchObject({ status: 2, built: false });
  expect(missing.stderr).toMatch(/^deploy: OAUTH_GITHUB_CLIENT_SECRET is not set for production: GitHub needs its client secret/m);
  writeFileSync(file, `ENCRYPTION_KEY=${KEY}\nOIDC_SIGNING_KEYS=${SIGNING}\nOAUTH_GITHUB_CLIENT_SECRET=gh\n`);
  expect(deploy(withGithub, "--env", "production", "--dry-run", "--secrets-file", file)).toMatchObject({ status: 0, built: true });
});
