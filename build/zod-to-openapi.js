// The `@asteasolutions/zod-to-openapi` module of the Worker bundle (wrangler.toml [alias]): what
// @hono/zod-openapi needs of it to route and validate, without the document generator. The
// generator and the JSON Schema code of zod it pulls in were 15 KB gzip of the 100 KB budget,
// for a document that never changes between deployments of the same code: it is built once, in
// Node with the real package (scripts/lib/openapi-document.ts -> public/openapi.json), and the
// Worker serves that file (src/http/openapi.ts). Tests use the real package;
// test/e2e/zod-to-openapi-alias.test.ts checks that this module has every name
// @hono/zod-openapi imports and that the bundle serves the document the real generator builds.

/** `.openapi(...)` on every schema: documentation only, so the schema itself is returned. */
export function extendZodWithOpenApi(zod) {
  if (typeof zod.ZodType.prototype.openapi !== "undefined") return;
  zod.ZodType.prototype.openapi = function openapi() {
    return this;
  };
}

/** Route and component registrations: kept by the real generator for the document; here, dropped. */
export class OpenAPIRegistry {
  definitions = [];
  register(_refId, schema) {
    return schema;
  }
  registerParameter(_refId, schema) {
    return schema;
  }
  registerPath() {}
  registerWebhook() {}
  registerComponent(type, name, component) {
    return { name, ref: { $ref: `#/components/${type}/${name}` }, component };
  }
}

class NoGenerator {
  constructor() {
    throw new Error("the OpenAPI document is built at build time (public/openapi.json), not in the Worker");
  }
}
export const OpenApiGeneratorV3 = NoGenerator;
export const OpenApiGeneratorV31 = NoGenerator;

export function getOpenApiMetadata() {
  return {};
}
