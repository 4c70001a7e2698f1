import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";
import type { AppOpenAPI } from "./router";

/**
 * /openapi.json: the OpenAPI 3.1 document @hono/zod-openapi builds from every createRoute
 * declaration (app.doc31), with this deployment's values filled in: PASSWORD_MIN_LENGTH as the
 * new passwords' minLength (a schema built once cannot know it), and request bodies marked
 * required (the library's validators only run per content type when a body is not).
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

const deploymentValues = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    if (c.res.status !== 200) return;
    const document = (await c.res.json()) as Json;
    fillIn(document, c.var.config.passwordMinLength);
    c.res = c.json(document, 200);
  });

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
  app.use("/openapi.json", deploymentValues());
  app.doc31("/openapi.json", (c: Context) => ({
    openapi: "3.1.0",
    info: {
      title: "edge-auth",
      version: "1.0.0",
      description:
        'User authentication: register, log in with a cookie session, profile, log out, password reset. Request bodies may be form-encoded, multipart or JSON with the same field names; answers are JSON, errors `{"message": ...}`. Unknown paths answer 404 and wrong methods 405, both JSON. Under `/account`, the same operations as HTML pages.',
    },
    servers: [{ url: new URL(c.req.url).origin }],
    tags: [
      { name: "API", description: "The JSON API (the fixed contract)." },
      { name: "Account", description: "The logged-in user's sessions (devices), password and account, as JSON." },
      { name: "Pages", description: "Server-rendered HTML pages over the same code; they work without JavaScript." },
      { name: "Documentation", description: "This document and its interactive reference." },
    ],
  }));
}
