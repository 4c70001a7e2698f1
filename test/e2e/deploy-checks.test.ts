import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

// `npm run deploy` refuses, in one line and before anything is built or uploaded, what would make
// a deployment unsafe or broken; --dry-run runs the same checks. Run in a copy of the project
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

const deploy = (toml: string, ...args: string[]) => {
  writeFileSync(path.join(copy, "wrangler.toml"), toml);
  rmSync(path.join(copy, "dist"), { recursive: true, force: true });
  const result = spawnSync(process.execPath, [path.join(copy, "scripts/deploy.mjs"), ...args], {
    cwd: copy,
    encoding: "utf8",
    env: { ...process.env, CLOUDFLARE_ENV: "", WRANGLER_HIDE_BANNER: "true" },
    timeout: 120_000,
  });
  return { status: result.status, stderr: result.stderr.trim(), built: existsSync(path.join(copy, "dist/index.js")) };
};

it("asks for an environment: the top level of wrangler.toml is for local development", () => {
  const result = deploy(original, "--dry-run");
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(/^deploy: say which environment to deploy: --env staging or --env production/);
});

it("refuses the all-zero database placeholder, in a dry run too", () => {
  const result = deploy(original, "--env", "production", "--dry-run");
  expect(result).toMatchObject({ status: 2, built: false });
  expect(result.stderr).toBe(
    "deploy: [env.production] has no D1 database yet: run `npx wrangler d1 create edge-auth-production` and put the printed database_id into wrangler.toml [[env.production.d1_databases]]",
  );
});

it("refuses the example.com placeholders of MAIL_FROM and PUBLIC_URL, each saying what it is for", () => {
  const withIdOnly = ready()
    .replace('MAIL_FROM = "edge-auth <no-reply@auth.edge-auth.dev>"', 'MAIL_FROM = "edge-auth <no-reply@auth.example.com>"')
    .replace('PUBLIC_URL = "https://auth.edge-auth.dev"', 'PUBLIC_URL = "https://auth.example.com"');
  expect(deploy(withIdOnly, "--env", "production", "--dry-run").stderr).toBe(
    'deploy: MAIL_FROM is still the placeholder "edge-auth <no-reply@auth.example.com>": set it in [env.production.vars] (the sender of every mail: an address of your domain)',
  );
  expect(deploy(withVar(withIdOnly, "MAIL_FROM", "edge-auth <a@edge-auth.dev>"), "--env", "production", "--dry-run").stderr).toBe(
    'deploy: PUBLIC_URL is still the placeholder "https://auth.example.com": set it in [env.production.vars] (links in mail start with it: the service\'s own origin)',
  );
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
