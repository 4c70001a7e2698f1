import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import * as zod from "zod";
// The module wrangler.toml's [alias] puts in the Worker bundle in place of "zod".
import * as bundled from "../../build/zod.js";

const root = path.resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(path.join(dir, entry.name)) : /\.tsx?$/.test(entry.name) ? [path.join(dir, entry.name)] : [],
  );
}

it("the bundle's zod (build/zod.js) is zod's own code, with every name src/ takes from `z`", () => {
  expect(readFileSync(path.join(root, "wrangler.toml"), "utf8")).toMatch(/^\[alias\]\n"zod" = "\.\/build\/zod\.js"$/m);
  const exported = Object.keys(bundled).filter((name) => name !== "z" && name !== "default");
  for (const name of exported) expect((bundled as Record<string, unknown>)[name], name).toBe((zod as Record<string, unknown>)[name]);
  expect(bundled.z.ZodType).toBe(zod.ZodType); // all zod-to-openapi takes from it

  const used = new Set<string>();
  for (const file of sources(path.join(root, "src"))) {
    for (const match of readFileSync(file, "utf8").matchAll(/\bz\.([A-Za-z_$][\w$]*)/g)) used.add(match[1]!);
  }
  expect(used.size).toBeGreaterThan(3);
  for (const name of used) expect(exported, `z.${name} is used in src/ but missing from build/zod.js`).toContain(name);
});
