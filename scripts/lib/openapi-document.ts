// Writes the OpenAPI 3.1 document of every route (public/openapi.json) from the route
// declarations, with the real @asteasolutions/zod-to-openapi. Run in Node by
// scripts/prepare-build.mjs before every build and test; the Worker bundle leaves the
// generator out (wrangler.toml [alias], build/zod-to-openapi.js) and serves this file, filling in
// the deployment's own values per request (src/http/openapi.ts).
import { writeFileSync } from "node:fs";
import { app } from "../../src/app";
import { openApiDocument } from "../../src/http/openapi";

const target = process.argv[2];
if (!target) throw new Error("usage: openapi-document.ts <file>");
writeFileSync(target, `${JSON.stringify(openApiDocument(app))}\n`);
