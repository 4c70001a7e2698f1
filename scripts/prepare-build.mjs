#!/usr/bin/env node
// What the Worker build takes that is built, not committed (all git-ignored). Run by npm start,
// npm test, the bundle builds and npm run deploy:
// - Swagger UI's standalone build, copied from the swagger-ui-dist package into the Worker's
//   static assets (public/docs/swagger-ui*), so /docs works offline and loads nothing from a CDN;
// - the OpenAPI document of the current code, public/openapi.json (the Worker serves it, see
//   src/http/openapi.ts);
// - build/zod.worker.js, the bundle's zod without its JSON Schema code (scripts/lib/worker-zod.mjs).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
/** Package file -> name under public/docs/ (one level: the Worker's /docs/{file} route). */
const FILES = {
  "swagger-ui-bundle.js": "swagger-ui-bundle.js",
  "swagger-ui.css": "swagger-ui.css",
  LICENSE: "swagger-ui-LICENSE.txt",
  NOTICE: "swagger-ui-NOTICE.txt",
};

/** Builds public/openapi.json from the routes (node + OPENAPI_COMMAND); npm start reruns it when src/ changes. */
export const OPENAPI_COMMAND = [
  "--import",
  "tsx",
  path.join(root, "scripts/lib/openapi-document.ts"),
  path.join(root, "public/openapi.json"),
];

export function prepareBuild() {
  const require = createRequire(import.meta.url);
  const source = path.dirname(require.resolve("swagger-ui-dist/package.json"));
  const version = JSON.parse(readFileSync(path.join(source, "package.json"), "utf8")).version;
  const target = path.join(root, "public/docs");
  mkdirSync(target, { recursive: true });
  for (const [file, name] of Object.entries(FILES)) {
    const from = path.join(source, file);
    const to = path.join(target, name);
    if (!existsSync(to) || statSync(to).size !== statSync(from).size || statSync(to).mtimeMs < statSync(from).mtimeMs)
      copyFileSync(from, to);
  }
  // In Node with the real generator (the Worker bundle has none): about a second.
  execFileSync(process.execPath, OPENAPI_COMMAND, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  // A child process: esbuild's plugins need its asynchronous API, and this step is synchronous.
  execFileSync(process.execPath, [path.join(root, "scripts/lib/worker-zod.mjs")], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  return version;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(
    `prepare-build: Swagger UI ${prepareBuild()} in public/docs/, the OpenAPI document in public/openapi.json, the bundle's zod in build/zod.worker.js`,
  );
}
