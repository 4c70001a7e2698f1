#!/usr/bin/env node
// Before/after on one machine in one run: the production bundle of another git revision and the
// bundle of the working tree, side by side on workerd with their own local D1 each, driven by wrk
// in alternated rounds (A B A B ...), medians printed. For changes that must not cost a request
// anything (a refactor), or that claim to save something.
//   npm run bench:compare -- --base HEAD~1
//   npm run bench:compare -- --base 63e2d1e --routes /,/profile --rounds 7 --duration 5
// The base revision is checked out in a temporary git worktree that uses this checkout's
// node_modules (so it must build with the same dependencies).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildBundle, migrateLocal, root, startLocalServer } from "../scripts/lib/local-server.mjs";
import { freePort } from "../scripts/lib/ports.mjs";

const usage = "usage: npm run bench:compare -- --base <git revision> [--routes /,/profile] [--rounds 5] [--duration 5] [--connections 10]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      base: { type: "string" },
      routes: { type: "string", default: "/,/profile" },
      rounds: { type: "string", default: "5" },
      duration: { type: "string", default: "5" },
      connections: { type: "string", default: "10" },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  console.error(`compare: ${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help || !values.base) {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
const rounds = Number(values.rounds);
const routes = values.routes.split(",");

const tmp = mkdtempSync(path.join(os.tmpdir(), "edge-auth-compare-"));
const worktree = path.join(tmp, "base");
const servers = [];
try {
  execFileSync("git", ["worktree", "add", "--detach", worktree, values.base], { cwd: root, stdio: "ignore" });
  symlinkSync(path.join(root, "node_modules"), path.join(worktree, "node_modules"), "dir");
  // The base's own build step and wrangler.toml make its bundle.
  execFileSync(
    process.execPath,
    [
      path.join(worktree, "node_modules/wrangler/bin/wrangler.js"),
      "deploy",
      "--dry-run",
      "--outdir",
      path.join(tmp, "base-dist"),
      "--env",
      "",
    ],
    {
      cwd: worktree,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, EDGE_AUTH_LOCAL_BUNDLE: "1", WRANGLER_HIDE_BANNER: "true" },
    },
  );
  const bundles = { base: path.join(tmp, "base-dist/index.js"), work: buildBundle(path.join(tmp, "work-dist")) };
  const vars = { BCRYPT_COST: "4", LOG_REQUESTS: "false" };
  const sides = {};
  for (const [name, bundle] of Object.entries(bundles)) {
    const state = path.join(tmp, `${name}-state`);
    migrateLocal(state);
    const port = await freePort();
    servers.push(await startLocalServer({ port, persistRoot: state, bundle, vars }));
    const url = `http://127.0.0.1:${port}`;
    const form = new URLSearchParams({ email: "bench@example.com", password: "pw" });
    await fetch(`${url}/users`, { method: "POST", body: form });
    const login = await fetch(`${url}/sessions`, { method: "POST", body: form, redirect: "manual" });
    const cookie = /session_id=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1];
    sides[name] = { url, cookie, runs: Object.fromEntries(routes.map((route) => [route, []])) };
  }
  const wrk = (url, cookie) => {
    const argv = ["-t1", `-c${values.connections}`, `-d${values.duration}`, ...(cookie ? ["-H", `Cookie: session_id=${cookie}`] : []), url];
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(execFileSync("wrk", argv, { encoding: "utf8" }))?.[1]);
  };
  for (let round = 1; round <= rounds; round++) {
    for (const route of routes) {
      // Alternate which side goes first, so neither always runs on a warmer machine.
      const order = round % 2 ? ["base", "work"] : ["work", "base"];
      for (const name of order) sides[name].runs[route].push(wrk(`${sides[name].url}${route}`, sides[name].cookie));
    }
    console.error(`compare: round ${round} of ${rounds} done`);
  }
  const median = (runs) => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  console.log(
    `\n## ${values.base} (base) vs the working tree: req/s, median of ${rounds} alternated ${values.duration} s wrk runs, ${values.connections} connections\n`,
  );
  console.log("| route | base | working tree | change |");
  console.log("|---|---:|---:|---:|");
  for (const route of routes) {
    const [a, b] = [median(sides.base.runs[route]), median(sides.work.runs[route])];
    console.log(`| GET ${route} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(((b - a) / a) * 100).toFixed(1)}% |`);
  }
  console.log(`\nevery run (base / working tree):`);
  for (const route of routes)
    console.log(
      `GET ${route}: ${sides.base.runs[route].map((r) => r.toFixed(0)).join(" ")} / ${sides.work.runs[route].map((r) => r.toFixed(0)).join(" ")}`,
    );
} finally {
  for (const server of servers) await server.dispose().catch(() => {});
  execFileSync("git", ["worktree", "remove", "--force", worktree], { cwd: root, stdio: "ignore" });
  rmSync(tmp, { recursive: true, force: true });
}
