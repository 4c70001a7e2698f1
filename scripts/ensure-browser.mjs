#!/usr/bin/env node
// Finds the Chromium the browser tests (test/e2e/browser.test.ts) drive, and installs Debian's
// chromium package when the machine has none and may install it. Runs as npm's `pretest`, so
// `npm ci && npm test` works on a fresh Debian machine; nothing is downloaded from Playwright's CDN.
//
// Lookup order: CHROMIUM_PATH (must exist and run), the usual Linux paths (/usr/bin/chromium, ...),
// the macOS Chrome/Chromium apps, Playwright's browser cache (PLAYWRIGHT_BROWSERS_PATH or the
// default ms-playwright cache), then chromium/google-chrome on PATH. Each candidate must answer
// `--version`. When none is found on Debian/Ubuntu, as root or with passwordless sudo:
// `apt-get update && apt-get install -y --no-install-recommends chromium`.
// Otherwise it exits non-zero with one line telling what to install or set: a failure, never a skip.
//
// On success it prints `ensure-browser: using <path> (<version>)` and records the path in
// node_modules/.cache/edge-auth/browser.json, which test/e2e/browser-path.ts reads.
//
// EDGE_AUTH_BROWSER_NO_INSTALL=1 turns the apt-get install off (the machine is then treated as one
// that cannot install): for testing the failure path on a root machine, or to keep apt untouched.
import { spawnSync } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
// Also hard-coded in test/e2e/browser-path.ts.
const RECORD = path.join(root, "node_modules", ".cache", "edge-auth", "browser.json");
const VERSION_TIMEOUT_MS = 15_000;
const HINT =
  "Install one (Debian/Ubuntu: sudo apt-get install chromium; macOS: install Google Chrome) or set CHROMIUM_PATH=/path/to/chrome";

function fail(message) {
  console.error(`ensure-browser: ${message}`);
  process.exit(1);
}

function isExecutableFile(file) {
  try {
    if (!statSync(file).isFile()) return false;
    if (process.platform !== "win32") accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The browser's `--version` line, or an Error saying why it did not answer. */
function browserVersion(file) {
  // chrome.exe --version opens a window instead of printing; trust the file on Windows.
  if (process.platform === "win32") return "version not checked on Windows";
  const result = spawnSync(file, ["--version"], { encoding: "utf8", timeout: VERSION_TIMEOUT_MS, stdio: ["ignore", "pipe", "pipe"] });
  if (result.error)
    return new Error(result.error.code === "ETIMEDOUT" ? `no answer within ${VERSION_TIMEOUT_MS / 1000}s` : result.error.message);
  const version = result.stdout.trim().split("\n").pop()?.trim();
  if (result.status !== 0 || !version) {
    const detail = (result.stderr.trim().split("\n").pop() ?? "").trim();
    return new Error(`exit ${result.status ?? result.signal}${detail ? `: ${detail}` : ""}`);
  }
  return version;
}

/** Newest first: chromium-1255 before chromium-1200. */
function byRevisionDescending(a, b) {
  return Number(b.split("-").pop()) - Number(a.split("-").pop());
}

function playwrightCandidates() {
  const env = process.env.PLAYWRIGHT_BROWSERS_PATH;
  let dir;
  if (env === "0") dir = path.join(root, "node_modules", "playwright-core", ".local-browsers");
  else if (env) dir = path.resolve(env);
  else if (process.platform === "darwin") dir = path.join(os.homedir(), "Library", "Caches", "ms-playwright");
  else if (process.platform === "win32")
    dir = path.join(process.env.LOCALAPPDATA || path.join(os.homedir(), "AppData", "Local"), "ms-playwright");
  else dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "ms-playwright");
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  // Full Chromium before the headless shell; within each, Chrome for Testing layouts (Playwright
  // 1.57+) and the older chrome-linux ones, for every platform (only existing files are kept).
  const layouts = {
    chromium: [
      ["chrome-linux64", "chrome"],
      ["chrome-linux-arm64", "chrome"],
      ["chrome-linux", "chrome"],
      ["chrome-mac-arm64", "Google Chrome for Testing.app", "Contents", "MacOS", "Google Chrome for Testing"],
      ["chrome-mac-x64", "Google Chrome for Testing.app", "Contents", "MacOS", "Google Chrome for Testing"],
      ["chrome-mac", "Chromium.app", "Contents", "MacOS", "Chromium"],
      ["chrome-win64", "chrome.exe"],
      ["chrome-win", "chrome.exe"],
    ],
    chromium_headless_shell: [
      ["chrome-headless-shell-linux64", "chrome-headless-shell"],
      ["chrome-headless-shell-linux-arm64", "chrome-headless-shell"],
      ["chrome-linux", "headless_shell"],
      ["chrome-headless-shell-mac-arm64", "chrome-headless-shell"],
      ["chrome-headless-shell-mac-x64", "chrome-headless-shell"],
      ["chrome-mac", "headless_shell"],
      ["chrome-headless-shell-win64", "chrome-headless-shell.exe"],
      ["chrome-win", "headless_shell.exe"],
    ],
  };
  const found = [];
  for (const [name, paths] of Object.entries(layouts)) {
    const builds = entries.filter((entry) => new RegExp(`^${name}-\\d+$`).test(entry)).sort(byRevisionDescending);
    for (const build of builds) for (const parts of paths) found.push(path.join(dir, build, ...parts));
  }
  return found;
}

function pathCandidates() {
  const names =
    process.platform === "win32" ? ["chrome.exe"] : ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  return dirs.flatMap((dir) => names.map((name) => path.join(dir, name)));
}

function candidates() {
  const home = os.homedir();
  const mac = ["Google Chrome.app/Contents/MacOS/Google Chrome", "Chromium.app/Contents/MacOS/Chromium"];
  return [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/opt/google/chrome/chrome",
    ...mac.map((app) => path.join("/Applications", app)),
    ...mac.map((app) => path.join(home, "Applications", app)),
    ...playwrightCandidates(),
    ...pathCandidates(),
  ];
}

/** The first candidate that exists and answers --version, as { file, version }. */
function findBrowser() {
  const seen = new Set();
  for (const file of candidates()) {
    if (seen.has(file)) continue;
    seen.add(file);
    if (!isExecutableFile(file)) continue;
    const version = browserVersion(file);
    if (typeof version === "string") return { file, version };
    console.error(`ensure-browser: skipping ${file}: \`--version\` failed (${version.message})`);
  }
  return undefined;
}

function succeeds(command, args) {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 10_000 });
  return !result.error && result.status === 0;
}

/** How to run apt-get here (as root, or through passwordless sudo), or undefined when this machine cannot. */
function aptRunner() {
  if (process.env.EDGE_AUTH_BROWSER_NO_INSTALL === "1") return undefined;
  if (process.platform !== "linux") return undefined;
  if (!existsSync("/etc/debian_version") && !succeeds("sh", ["-c", "command -v apt-get"])) return undefined;
  if (process.getuid?.() === 0) return (args) => ["env", ["DEBIAN_FRONTEND=noninteractive", "apt-get", ...args]];
  if (succeeds("sudo", ["-n", "true"])) return (args) => ["sudo", ["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args]];
  return undefined;
}

/** Runs apt-get quietly; on failure prints the tail of its output and returns false. */
function apt(runner, args) {
  const [command, commandArgs] = runner(args);
  // One file for stdout and stderr keeps apt's messages in order for the tail shown on failure.
  const dir = mkdtempSync(path.join(os.tmpdir(), "ensure-browser-"));
  const log = path.join(dir, "apt.log");
  const fd = openSync(log, "w");
  let result;
  try {
    result = spawnSync(command, commandArgs, { stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  const output = readFileSync(log, "utf8");
  rmSync(dir, { recursive: true, force: true });
  if (!result.error && result.status === 0) return true;
  const tail = output.trimEnd().split("\n").slice(-20).join("\n");
  console.error(
    `ensure-browser: \`apt-get ${args.join(" ")}\` failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}):`,
  );
  if (tail) console.error(tail.replace(/^/gm, "  "));
  return false;
}

function record(browser) {
  mkdirSync(path.dirname(RECORD), { recursive: true });
  writeFileSync(RECORD, `${JSON.stringify({ executablePath: browser.file, version: browser.version }, null, 2)}\n`);
  console.log(`ensure-browser: using ${browser.file} (${browser.version})`);
}

const explicit = process.env.CHROMIUM_PATH;
if (explicit) {
  if (!isExecutableFile(explicit))
    fail(`CHROMIUM_PATH=${explicit} is not an executable file; point it at a Chromium/Chrome binary or unset it.`);
  const version = browserVersion(explicit);
  if (version instanceof Error) fail(`CHROMIUM_PATH=${explicit} does not run: \`--version\` failed (${version.message}).`);
  record({ file: explicit, version });
  process.exit(0);
}

let browser = findBrowser();
if (!browser) {
  const runner = aptRunner();
  if (!runner) fail(`no Chromium found. ${HINT}`);
  console.log("ensure-browser: no Chromium found; installing Debian's chromium with apt-get (about a minute)...");
  if (!apt(runner, ["update"]) || !apt(runner, ["install", "-y", "--no-install-recommends", "chromium"])) {
    fail(`could not install chromium with apt-get (see above). ${HINT}`);
  }
  browser = findBrowser();
  if (!browser) fail(`apt-get installed chromium but no working Chromium was found afterwards. ${HINT}`);
}
record(browser);
