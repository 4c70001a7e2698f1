#!/usr/bin/env node
// Copies Swagger UI's standalone build from the swagger-ui-dist package into the Worker's static
// assets (public/docs/swagger-ui*, git-ignored), so /docs works offline and loads nothing from a CDN,
// and builds the OpenAPI document of the current code into public/openapi.json (git-ignored; the
// Worker serves it, see src/http/openapi.ts). Run by npm start, npm test, the bundle builds and
// npm run deploy.
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

export function copyDocsAssets() {
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
  return version;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`docs assets: Swagger UI ${copyDocsAssets()} in public/docs/, the OpenAPI document in public/openapi.json`);
}
