// What the bench scripts share: running a command quietly, asking whether one is installed, and
// formatting a number for a markdown table.
import { execFileSync } from "node:child_process";

/** A command's stdout; its stderr is captured (a missing module's traceback is not the reader's concern). */
export const sh = (cmd, argv) => execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Whether `cmd` is on the PATH. */
export const has = (cmd) => {
  try {
    sh("sh", ["-c", `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
};

/** A number with thousands separators and `digits` decimals; "n/a" for NaN or Infinity. */
export const fmt = (n, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "n/a";

/**
 * One wrk run (-t1): req/s, p50 and p99 in ms, and the failed answers (non-2xx/3xx, and with
 * `socketErrors` wrk's socket errors too). `timeout`: wrk's own, for requests slower than its 2 s.
 */
export function wrk(url, { connections, duration, cookie, headers = {}, script, env = {}, timeout, socketErrors = false }) {
  const argv = ["-t1", `-c${connections}`, `-d${duration}`, ...(timeout ? ["--timeout", timeout] : []), "--latency"];
  if (cookie) argv.push("-H", `Cookie: session_id=${cookie}`);
  for (const [name, value] of Object.entries(headers)) argv.push("-H", `${name}: ${value}`);
  if (script) argv.push("-s", script);
  argv.push(url);
  const out = execFileSync("wrk", argv, { encoding: "utf8", env: { ...process.env, ...env } });
  const ms = (label) => {
    const m = new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(out);
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const socket = socketErrors ? /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out) : null;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: ms("50"),
    p99: ms("99"),
    errors:
      Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}
