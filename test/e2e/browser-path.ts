import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";

// Written by scripts/ensure-browser.mjs (npm's pretest), which finds or installs a Chromium.
const RECORD = path.join(import.meta.dirname, "../../node_modules/.cache/edge-auth/browser.json");
const DEBIAN = "/usr/bin/chromium";
const HOW = "run `npm run pretest` (node scripts/ensure-browser.mjs) to find or install one, or set CHROMIUM_PATH=/path/to/chrome";

/** The Chromium to launch: CHROMIUM_PATH, else the one ensure-browser recorded, else Debian's; throws a clear error otherwise. */
export function chromiumPath(): string {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit))
      throw new Error(`CHROMIUM_PATH=${explicit} does not exist; point it at a Chromium/Chrome binary or unset it`);
    return explicit;
  }
  let recorded: string | undefined;
  if (existsSync(RECORD)) {
    recorded = (JSON.parse(readFileSync(RECORD, "utf8")) as { executablePath?: string }).executablePath;
    if (recorded && existsSync(recorded)) return recorded;
  }
  if (existsSync(DEBIAN)) return DEBIAN;
  const why = recorded
    ? `the recorded ${recorded} is gone and ${DEBIAN} does not exist`
    : `no browser recorded and ${DEBIAN} does not exist`;
  throw new Error(`No Chromium for the browser tests (${why}): ${HOW}`);
}

/** Chromium, headless, kept from calling home: this machine has no network beyond loopback. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
