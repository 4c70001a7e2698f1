// The `zod` module of the Worker bundle: zod's own code, but only the names this service and its
// libraries take from the `z` namespace (scripts/lib/worker-zod.mjs builds it, without zod's JSON
// Schema code, into build/zod.worker.js, which wrangler.toml's [alias] "zod" names). @hono/zod-openapi hands
// the whole namespace to zod-to-openapi, which keeps esbuild from dropping any of it: zod's 48
// translations of error messages, its schema compiler, JSON Schema import and every schema type
// nobody uses went into the bundle, 300 KB raw and 60 KB gzip of the 100 KB budget. zod-to-openapi
// touches `z.ZodType` only; our code the names below. Tests and `wrangler dev`-free tooling use
// the real package; test/e2e/zod-alias.test.ts checks that every `z.<name>` in src/ is exported here
// and that each export is zod's own, and the end-to-end tests run the bundle built with it.
import { config } from "../node_modules/zod/v4/core/core.js";
import en from "../node_modules/zod/v4/locales/en.js";
import * as z from "./zod.js";

export {
  ZodType,
  ZodObject,
  object,
  string,
  literal,
  number,
  boolean,
  array,
  record,
  unknown,
  enum,
} from "../node_modules/zod/v4/classic/schemas.js";
export { output } from "../node_modules/zod/v4/classic/in-out.js";
export { ZodError } from "../node_modules/zod/v4/classic/errors.js";
export { NEVER } from "../node_modules/zod/v4/core/core.js";
export { z, z as default };

// As zod's own entry does: English messages by default (ours are set per schema anyway).
config(en());
