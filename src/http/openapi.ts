import { RateLimited } from "../auth/errors";
import type { Config } from "../config";
import { type Operation, operations, type Response } from "./contract";
import { httpErrorOf } from "./errors";
import { MAX_BODY_BYTES } from "./body";
import type { JsonSchema } from "./fields";

const errorSchema: JsonSchema = { $ref: "#/components/schemas/Error" };
const retryAfter = { "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer", minimum: 1 } } };
const BODY_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"];

function responseObject(response: Response): Record<string, unknown> {
  const content = response.json
    ? { "application/json": { schema: response.json } }
    : response.html
      ? { "text/html": { schema: { type: "string" } } }
      : undefined;
  return { description: response.description, ...(response.headers ? { headers: response.headers } : {}), ...(content ? { content } : {}) };
}

/** Failures an operation can answer with, merged by status (one OpenAPI entry per code). */
function failures(op: Operation): Map<number, { messages: string[]; retryAfter: boolean }> {
  const byStatus = new Map<number, { messages: string[]; retryAfter: boolean }>();
  const add = (status: number, message: string, withRetry = false) => {
    const entry = byStatus.get(status) ?? { messages: [], retryAfter: false };
    entry.messages.push(message);
    entry.retryAfter ||= withRetry;
    byStatus.set(status, entry);
  };
  if (op.fields) {
    add(
      400,
      "a field missing, empty, repeated, not a string or invalid (the message names it); a malformed body or an unsupported content type",
    );
  }
  if (op.method !== "get") add(413, `\`body larger than ${MAX_BODY_BYTES} bytes\``);
  for (const error of op.errors ?? []) {
    const known = httpErrorOf(error);
    if (known) add(known.status, `\`${known.message}\` (${error.name})`, known.status === 429);
  }
  if (op.rateLimited) {
    const limited = httpErrorOf(RateLimited)!;
    add(limited.status, `\`${limited.message}\`: over the per-IP rate limit`, true);
  }
  if (op.method !== "get") add(403, "`cross-site request refused`: a foreign `Origin` or `Sec-Fetch-Site: cross-site`");
  return byStatus;
}

function operationObject(op: Operation, config: Config): Record<string, unknown> {
  const spec = op.fields?.(config);
  const schema = spec && {
    type: "object",
    properties: Object.fromEntries(Object.entries(spec).map(([name, field]) => [name, field.schema])),
    required: Object.keys(spec),
  };
  const responses: Record<string, unknown> = { [op.success.status]: responseObject(op.success) };
  for (const other of op.others ?? []) responses[other.status] = responseObject(other);
  for (const [status, { messages, retryAfter: withRetry }] of failures(op)) {
    // Everything under /account answers in HTML, the CSRF guard and the body limit included.
    const html = op.tag === "Pages";
    responses[status] = {
      description: messages.join("; or "),
      ...(withRetry ? { headers: retryAfter } : {}),
      content: html ? { "text/html": { schema: { type: "string" } } } : { "application/json": { schema: errorSchema } },
    };
  }
  return {
    operationId:
      `${op.method}${op.path.replace(/[^a-zA-Z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ? ch.toUpperCase() : ""))}` || "root",
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    ...(op.session ? { security: [{ sessionCookie: [] }] } : {}),
    ...(op.query ? { parameters: Object.entries(op.query).map(([name, schema]) => ({ name, in: "query", required: false, schema })) } : {}),
    ...(spec ? { requestBody: { required: true, content: Object.fromEntries(BODY_TYPES.map((type) => [type, { schema }])) } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of this deployment (its config shapes field limits). */
export function buildOpenApi(config: Config, serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    paths[op.path]![op.method] = operationObject(op, config);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "edge-auth",
      version: "1.0.0",
      description:
        'User authentication: register, log in with a cookie session, profile, log out, password reset. Request bodies may be form-encoded, multipart or JSON with the same field names; answers are JSON, errors `{"message": ...}`. Unknown paths answer 404 and wrong methods 405, both JSON.',
    },
    servers: [{ url: serverUrl }],
    tags: [
      { name: "API", description: "The JSON API (the fixed contract)." },
      { name: "Pages", description: "Server-rendered HTML pages over the same Auth code; they work without JavaScript." },
      { name: "Documentation", description: "This document and its readable form." },
    ],
    paths,
    components: {
      schemas: {
        Error: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
      },
      securitySchemes: {
        sessionCookie: { type: "apiKey", in: "cookie", name: "session_id", description: "Set by POST /sessions; HttpOnly, SameSite=Lax." },
      },
    },
  };
}
