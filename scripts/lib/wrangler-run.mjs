// What the wrangler command that runs our build step (wrangler.toml [build]) was asked to do.
// wrangler tells a custom build only its command (WRANGLER_COMMAND: "dev", "deploy", "versions
// upload"...), the same for `deploy` and `deploy --dry-run`; the flags are read from the
// arguments of the wrangler process above us (/proc on Linux, `ps` elsewhere).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

function processInfo(pid) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    // The parent id is the 4th field of /proc/<pid>/stat, after the (parenthesised) name.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return { argv, parent };
  } catch {
    try {
      const [parent, ...args] = execFileSync("ps", ["-o", "ppid=,args=", "-p", String(pid)], { encoding: "utf8" })
        .trim()
        .split(/\s+/);
      return { argv: args, parent: Number(parent) };
    } catch {
      return undefined;
    }
  }
}

/**
 * The arguments of the nearest process above this one that runs wrangler's `deploy` or
 * `versions` command, or undefined when none can be read.
 */
export function wranglerArgv(pid = process.ppid, depth = 6) {
  for (let level = 0; level < depth && pid > 1; level++) {
    const info = processInfo(pid);
    if (!info) return undefined;
    if (info.argv.some((arg) => /wrangler/.test(arg)) && info.argv.some((arg) => arg === "deploy" || arg === "versions")) return info.argv;
    pid = info.parent;
  }
  return undefined;
}

const FALSE = new Set(["false", "0", "no", "off"]);

/**
 * Whether the arguments ask for a dry run, as wrangler's parser (yargs) reads them: `--dry-run`,
 * `--dryRun` or `--dry-run=<value>`, where a following or attached false, 0, no or off means
 * no (`--dry-run false`), and `--no-dry-run` means no; the last one given counts. Undefined
 * when the arguments cannot be read.
 */
export function isDryRun(argv = wranglerArgv()) {
  if (argv === undefined) return undefined;
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const flag = /^--(no-)?(dry-run|dryRun)(?:=(.*))?$/.exec(arg);
    if (!flag) continue;
    if (flag[1]) {
      dryRun = false;
    } else if (flag[3] !== undefined) {
      dryRun = !FALSE.has(flag[3].toLowerCase());
    } else {
      const next = argv[i + 1]?.toLowerCase();
      dryRun = !(next !== undefined && FALSE.has(next));
    }
  }
  return dryRun;
}
