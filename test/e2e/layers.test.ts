import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";

// The layout's rules (docs/architecture.md), checked on the source itself: imports run downward
// only, and no file grows past what a reader can hold.
const src = path.resolve(import.meta.dirname, "../../src");

/** Each part of src/, top to bottom: a file may import its own layer or any layer below. */
const LAYERS: [string, RegExp][] = [
  ["entry points", /^(index\.ts|service\.ts|jobs\/)/],
  ["app", /^app\.ts$/],
  ["routes", /^routes\//],
  ["http", /^http\//],
  ["views", /^views\//],
  ["mail", /^mail\//],
  ["config", /^config(-\w+)?\.ts$/],
  ["auth", /^auth\//],
  ["db", /^db\/(?!schema(-\w+)?\.ts$)/],
  ["schema", /^db\/schema(-\w+)?\.ts$/],
  ["log", /^log\.ts$/],
];

function layerOf(file: string): number {
  const index = LAYERS.findIndex(([, pattern]) => pattern.test(file));
  if (index < 0) throw new Error(`${file} is in no layer: add it to LAYERS (and to docs/architecture.md)`);
  return index;
}

const files = (readdirSync(src, { recursive: true }) as string[])
  .filter((file) => /\.tsx?$/.test(file))
  .map((file) => file.split(path.sep).join("/"));

/** The files under src/ a module imports (relative imports, resolved to their file). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(src, file), "utf8");
  const targets: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\b[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gms)) {
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!));
    const target = files.find((candidate) => candidate.replace(/\.tsx?$/, "") === resolved);
    if (!target) throw new Error(`${file} imports ${match[1]}, which is not a file under src/`);
    targets.push(target);
  }
  return targets;
}

it("imports run downward only: routes, http, views, mail, config, auth, db, schema, log", () => {
  const upward: string[] = [];
  for (const file of files) {
    for (const target of importsOf(file)) {
      if (layerOf(target) < layerOf(file))
        upward.push(`${file} (${LAYERS[layerOf(file)]![0]}) imports ${target} (${LAYERS[layerOf(target)]![0]})`);
    }
  }
  expect(upward).toEqual([]);
});

it("no source file is over 400 lines", () => {
  const long = files
    .map((file) => [file, readFileSync(path.join(src, file), "utf8").split("\n").length] as const)
    .filter(([, lines]) => lines > 400);
  expect(long).toEqual([]);
});

it("the rule would catch an import that runs up", () => {
  expect(layerOf("db/db.ts")).toBeGreaterThan(layerOf("auth/auth.ts"));
  expect(layerOf("views/messages.ts")).toBeGreaterThan(layerOf("http/errors.ts"));
  expect(layerOf("http/create-app.ts")).toBeGreaterThan(layerOf("routes/account/account.index.ts"));
  expect(layerOf("db/binding.ts")).toBeGreaterThan(layerOf("config.ts"));
});
