// Builds build/zod.worker.js (git-ignored), the `zod` the Worker bundle takes (wrangler.toml
// [alias]): build/zod.js (zod's own code, only the names in use) bundled with zod's JSON Schema
// code left out.
//
// Why a build step of our own: zod's classic schemas import its JSON Schema code (the generator
// behind `.toJSONSchema()` and a `processJSONSchema` hook on every schema) by relative path, so
// the bundler keeps it although the Worker never makes JSON Schema: the OpenAPI document is built
// in Node at build time (scripts/lib/openapi-document.ts). wrangler's [alias] only replaces
// package names, not a package's own relative imports, hence this esbuild pass. It takes
// 16 KB raw, 4 KB gzip off the Worker bundle, which is what keeps it within its 100 KB gzip budget.
//
// What is left out throws if it is ever called ("JSON Schema is built at build time"); what the
// schemas use at run time stays zod's own (aggregateChecks, behind `.minLength` and the like).
// test/e2e/zod-alias.test.ts checks the built module against zod, and the end-to-end tests run
// the Worker bundle built with it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as esbuild from "esbuild";

const root = path.resolve(import.meta.dirname, "../..");
export const WORKER_ZOD = path.join(root, "build/zod.worker.js");

const message = JSON.stringify("JSON Schema is built at build time (scripts/lib/openapi-document.ts), not in the Worker");

export async function buildWorkerZod() {
  const require = createRequire(import.meta.url);
  const core = path.join(path.dirname(require.resolve("zod/package.json")), "v4/core");
  const processors = path.join(core, "json-schema-processors.js");
  // Every processor the classic schemas name, each replaced by one that throws; aggregateChecks is
  // no processor but a helper the schemas' getters use, so it stays zod's.
  const names = [...readFileSync(processors, "utf8").matchAll(/^export (?:async )?(?:function|const|let) (\w+)/gm)].map((m) => m[1]);
  const keep = ["aggregateChecks"];
  if (!keep.every((name) => names.includes(name))) throw new Error(`worker-zod: zod's ${processors} no longer exports ${keep}`);
  const stubs = {
    processors: [
      `const leftOut = () => { throw new Error(${message}); };`,
      ...names.filter((name) => !keep.includes(name)).map((name) => `export const ${name} = leftOut;`),
      `export { ${keep.join(", ")} } from ${JSON.stringify(processors)};`,
    ].join("\n"),
    // `.toJSONSchema()` and the standard schema's `jsonSchema` methods: made on use, throw when called.
    generator: [
      `const leftOut = () => () => { throw new Error(${message}); };`,
      "export const createToJSONSchemaMethod = leftOut;",
      "export const createStandardJSONSchemaMethod = leftOut;",
    ].join("\n"),
  };
  // Only the classic schemas' imports are replaced: the stubs' own re-export reaches the real file.
  const fromClassicSchemas = (args) => /[\\/]v4[\\/]classic[\\/]schemas\.js$/.test(args.importer);
  await esbuild.build({
    entryPoints: [path.join(root, "build/zod.js")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    outfile: WORKER_ZOD,
    logLevel: "error",
    banner: { js: "// Built by scripts/lib/worker-zod.mjs from build/zod.js; do not edit (git-ignored)." },
    plugins: [
      {
        name: "zod-without-json-schema",
        setup(build) {
          build.onResolve({ filter: /[\\/]json-schema-processors\.js$/ }, (args) =>
            fromClassicSchemas(args) ? { path: "processors", namespace: "left-out" } : undefined,
          );
          build.onResolve({ filter: /[\\/]to-json-schema\.js$/ }, (args) =>
            fromClassicSchemas(args) ? { path: "generator", namespace: "left-out" } : undefined,
          );
          build.onLoad({ filter: /.*/, namespace: "left-out" }, (args) => ({ contents: stubs[args.path], resolveDir: core }));
        },
      },
    ],
  });
}

// Run by scripts/prepare-build.mjs before every build.
if (import.meta.url === `file://${process.argv[1]}`) await buildWorkerZod();
