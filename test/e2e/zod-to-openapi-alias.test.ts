import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
// The module wrangler.toml's [alias] puts in the Worker bundle in place of zod-to-openapi.
import * as bundled from "../../build/zod-to-openapi.js";
import { startService } from "./local-service.js";

const root = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);

let service: Awaited<ReturnType<typeof startService>>;
beforeAll(async () => {
  service = await startService();
});
afterAll(async () => service?.stop());

it("the bundle's zod-to-openapi (build/zod-to-openapi.js) has every name @hono/zod-openapi imports", () => {
  expect(readFileSync(path.join(root, "wrangler.toml"), "utf8")).toMatch(
    /^"@asteasolutions\/zod-to-openapi" = "\.\/build\/zod-to-openapi\.js"$/m,
  );
  // The ES module build, the one the Worker bundle takes.
  const library = readFileSync(path.join(path.dirname(require.resolve("@hono/zod-openapi/package.json")), "dist/index.mjs"), "utf8");
  const imported = /import \{([^}]+)\} from "@asteasolutions\/zod-to-openapi"/
    .exec(library)![1]!
    .split(",")
    .map((name) => name.trim());
  expect(imported.length).toBeGreaterThan(3);
  for (const name of imported) expect(Object.keys(bundled), `${name} is imported by @hono/zod-openapi`).toContain(name);
  // `.openapi()` keeps a schema what it is: the bundle validates with the schema itself.
  class Schema {}
  bundled.extendZodWithOpenApi({ ZodType: Schema });
  const schema = new Schema() as { openapi: (...args: unknown[]) => unknown };
  expect(schema.openapi("Name", { description: "x" })).toBe(schema);
  expect(() => new bundled.OpenApiGeneratorV31()).toThrow(/built at build time/);
});

it("the production bundle serves the built document, with the deployment's values filled in", async () => {
  const built = JSON.parse(readFileSync(path.join(root, "public/openapi.json"), "utf8")) as Record<string, unknown>;
  const response = await fetch(`${service.url}/openapi.json`);
  expect(response.status).toBe(200);
  const served = (await response.json()) as Record<string, unknown>;
  expect(served.paths).toBeDefined();
  expect(Object.keys(served.paths as object)).toEqual(Object.keys(built.paths as object));
  expect(served.servers).toEqual([{ url: service.url }]);
});
