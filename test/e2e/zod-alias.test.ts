import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, inject, it } from "vitest";
import * as zod from "zod";
// The names the Worker bundle takes from zod, and the module built from them (without zod's JSON
// Schema code) that wrangler.toml's [alias] puts in the bundle in place of "zod".
import * as bundled from "../../build/zod.js";
import * as built from "../../build/zod.worker.js";

const root = path.resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(path.join(dir, entry.name)) : /\.tsx?$/.test(entry.name) ? [path.join(dir, entry.name)] : [],
  );
}

it("the bundle's zod (build/zod.js) is zod's own code, with every name src/ takes from `z`", () => {
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

it("the bundle's zod (build/zod.worker.js, built from build/zod.js) is zod without its JSON Schema code", async () => {
  expect(readFileSync(path.join(root, "wrangler.toml"), "utf8")).toMatch(/^\[alias\]\n"zod" = "\.\/build\/zod\.worker\.js"$/m);
  expect(Object.keys(built).sort()).toEqual(Object.keys(bundled).sort());

  // It validates as zod does: the same results and messages, the same checks behind the getters.
  const schema = built.object({ email: built.string().min(3).max(254), password: built.string().min(8), remember: built.boolean() });
  const real = zod.object({ email: zod.string().min(3).max(254), password: zod.string().min(8), remember: zod.boolean() });
  for (const input of [{ email: "a@b", password: "12345678", remember: true }, { email: "x", password: 5 }, "text", null, {}]) {
    expect(JSON.parse(JSON.stringify(schema.safeParse(input)))).toEqual(JSON.parse(JSON.stringify(real.safeParse(input))));
  }
  expect(await schema.safeParseAsync({ email: "", password: "", remember: 1 })).toMatchObject({ success: false });
  expect([built.string().min(8).minLength, built.string().max(9).maxLength]).toEqual([8, 9]);
  expect(built.literal("x").parse("x")).toBe("x");

  // What was left out says so when called, instead of being silently wrong.
  const leftOut = /JSON Schema is built at build time/;
  expect(() => built.string().toJSONSchema()).toThrow(leftOut);
  expect(() => built.string()["~standard"].jsonSchema.input({ target: "draft-2020-12" })).toThrow(leftOut);
  expect(zod.string().toJSONSchema()).toMatchObject({ type: "string" }); // (the real one does it)

  // And it is left out of the Worker bundle the end-to-end tests run (built as npm run deploy does).
  const bundle = readFileSync(inject("bundle"), "utf8");
  expect(bundle).toContain("JSON Schema is built at build time");
  expect(bundle).not.toMatch(/json-schema\.org|draft-2020-12/);
});
