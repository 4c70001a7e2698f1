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
