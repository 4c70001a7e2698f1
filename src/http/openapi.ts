import type { Context } from "hono";
import type { AppEnv } from "./context";
import { logLine } from "../log";
import { ServiceUnavailable } from "./errors";
import type { AppOpenAPI } from "./router";

/**
 * /openapi.json: the OpenAPI 3.1 document @hono/zod-openapi builds from every createRoute
 * declaration, built once with the code (openApiDocument), with this deployment's values filled
 * in per request: PASSWORD_MIN_LENGTH as the new passwords' minLength (a schema built once
 * cannot know it), the request's origin as the server, and request bodies marked required (the
 * library's validators only run per content type when a body is not).
 */

type Json = Record<string, unknown>;

/** Fills in the schemas marked by src/http/schemas.ts (`x-password-min-length`). */
function fillIn(node: unknown, minLength: number): void {
  if (Array.isArray(node)) {
    for (const item of node) fillIn(item, minLength);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const schema = node as Json;
  if (schema["x-password-min-length"] === true) {
    delete schema["x-password-min-length"];
    schema.minLength = minLength;
    schema.description = String(schema.description).replace(
      "at least PASSWORD_MIN_LENGTH characters",
      `at least ${minLength} character${minLength === 1 ? "" : "s"} (PASSWORD_MIN_LENGTH)`,
    );
  }
  if (typeof schema.requestBody === "object" && schema.requestBody !== null) (schema.requestBody as Json).required = true;
  for (const value of Object.values(schema)) fillIn(value, minLength);
}

/** The document's fixed part; `servers` is the request's own origin (filled in per request). */
const DOCUMENT_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "edge-auth",
    version: "1.0.0",
    description:
      'User authentication: register, log in with a cookie session, profile, log out, password reset. Request bodies may be form-encoded, multipart or JSON with the same field names; answers are JSON, errors `{"message": ...}`. Unknown paths answer 404 and wrong methods 405, both JSON. Under `/account`, the same operations as HTML pages.',
  },
  tags: [
    { name: "API", description: "The JSON API (the fixed contract)." },
    { name: "Account", description: "The logged-in user's sessions (devices), password and account, as JSON." },
    { name: "Pages", description: "Server-rendered HTML pages over the same code; they work without JavaScript." },
    { name: "Documentation", description: "This document and its interactive reference." },
  ],
};

/**
 * The document as @hono/zod-openapi's generator builds it from every route, before this
 * deployment's values. Called at build time (scripts/lib/openapi-document.ts writes it to
 * public/openapi.json) and by the tests; never in the Worker, whose bundle has no generator:
 * zod-to-openapi and zod's JSON Schema code were 15 KB gzip of the 100 KB budget.
 */
export function openApiDocument(app: AppOpenAPI): Json {
  return app.getOpenAPI31Document(DOCUMENT_CONFIG) as unknown as Json;
}

/** The built document, with this deployment's values and the request's origin as its server. */
export function withDeploymentValues(document: Json, passwordMinLength: number, origin: string): Json {
  fillIn(document, passwordMinLength);
  return { ...document, servers: [{ url: origin }] };
}

export function configureOpenApi(app: AppOpenAPI): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: "session_id",
    description: "Set by `POST /sessions`; HttpOnly, SameSite=Lax.",
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/openapi.json",
    tags: ["Documentation"],
    summary: "This OpenAPI 3.1 document",
    responses: {
      200: {
        description: "The document, with this deployment's settings.",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
  });
  // The built file is a static asset (public/openapi.json); wrangler.toml's run_worker_first
  // sends /openapi.json here first on Cloudflare too, so every copy gets the deployment's values.
  app.get("/openapi.json", async (c: Context<AppEnv>) => {
    const built = await c.env.ASSETS.fetch(new URL("/openapi.json", c.req.url));
    if (!built.ok) {
      // Built by scripts/prepare-build.mjs, which npm run deploy runs; a bare `wrangler deploy` skips it.
      logLine("error", { requestId: c.get("requestId"), error: "OpenApiDocumentMissing", status: built.status });
      throw new ServiceUnavailable("openapi.json missing from the assets");
    }
    const document = (await built.json()) as Json;
    return c.json(withDeploymentValues(document, c.var.config.passwordMinLength, new URL(c.req.url).origin));
  });
}
