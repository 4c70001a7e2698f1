import type { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";
import { badRequest, FieldError } from "./errors";

/**
 * What the body validators of @hono/zod-openapi leave to us, run as route middleware before
 * them: a body is read as a form when it has no content type (as some old clients send it),
 * must be valid UTF-8, must parse (JSON: an object; multipart: a form), and a field given twice
 * is refused in JSON too (JSON.parse keeps only the last of two equal keys; a form's repeat
 * reaches zod as an array, which the field schema refuses). Other content types are a 400, as the
 * contract has it, not the library's 415. Field rules themselves are the zod schemas.
 */

const FORM = "application/x-www-form-urlencoded";

/**
 * The keys of a valid JSON object text, in order and with repeats. No library that parses
 * JSON reports duplicate keys (JSON.parse and its drop-in replacements keep the last one), so
 * this small scanner stays; the text has already parsed, so it only has to skip strings.
 */
export function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i];
    if (ch === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === "\\" ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (ch === "{" || ch === "[") {
      depth += 1;
      expectKey = depth === 1 && ch === "{";
    } else if (ch === "}" || ch === "]") {
      depth -= 1;
    } else if (ch === "," && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

function utf8(bytes: ArrayBuffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (error) {
    if (error instanceof TypeError) throw badRequest("body is not valid UTF-8");
    throw error;
  }
}

/** The request the validators read: this content type and body (nothing of the old one cached). */
function replaceBody(
  c: { req: { raw: Request; url: string; method: string; bodyCache: object } },
  contentType: string,
  body: ArrayBuffer | Uint8Array,
) {
  const headers = new Headers(c.req.raw.headers);
  headers.set("content-type", contentType);
  c.req.raw = new Request(c.req.url, { method: c.req.method, headers, body });
  c.req.bodyCache = {};
}

/** Route middleware for a body with `fields` (form, multipart or JSON); see above. */
export const formOrJsonBody = (fields: readonly string[]) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const contentType = c.req.header("content-type");
    const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
    if (mediaType === "application/json") {
      const text = utf8(await c.req.arrayBuffer());
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw badRequest("body is not valid JSON");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badRequest("JSON body must be an object");
      const seen = new Set<string>();
      for (const key of topLevelKeys(text)) {
        if (seen.has(key) && fields.includes(key)) throw new FieldError(key, "repeated", `${key} is given more than once`);
        seen.add(key);
      }
    } else if (mediaType === "multipart/form-data") {
      // No field of this API is a file: the whole body must be text, or a value could arrive
      // with U+FFFD where the client's bytes were.
      const bytes = await c.req.arrayBuffer();
      utf8(bytes);
      let form: FormData;
      try {
        form = await new Response(bytes, { headers: { "content-type": contentType! } }).formData();
      } catch {
        throw badRequest("body is not valid multipart/form-data");
      }
      for (const [name, value] of form) {
        if (typeof value !== "string" && fields.includes(name)) throw new FieldError(name, "not a string", `${name} must be a string`);
      }
      // The validators get the same fields as a plain form: boundaries and part headers the
      // library's parser would read differently (a quoted boundary, a charset) play no part.
      const plain = new URLSearchParams();
      for (const [name, value] of form) if (typeof value === "string") plain.append(name, value);
      replaceBody(c, FORM, new TextEncoder().encode(plain.toString()));
      return next();
    } else if (mediaType === FORM || mediaType === "") {
      const bytes = await c.req.arrayBuffer();
      // Percent-escapes must decode to UTF-8 too (URLSearchParams would put U+FFFD for %FF).
      for (const part of utf8(bytes).split("&")) {
        try {
          decodeURIComponent(part.replaceAll("+", " "));
        } catch {
          throw badRequest("body is not valid UTF-8");
        }
      }
    } else {
      throw badRequest("unsupported content type: send a form or JSON");
    }
    // The library's validators match content types strictly (`application/json;` or a charset
    // other than UTF-8 would be a 415 or their own message): hand them the plain media type. The
    // body was checked and is cached (multipart already parsed), so they read it as checked.
    const canonical = mediaType === "" ? FORM : mediaType;
    if (contentType !== canonical) replaceBody(c, canonical, await c.req.arrayBuffer());
    await next();
  });

/**
 * The validated body, whichever of form and JSON it came as (formOrJsonBody made it one of
 * them). `schema` is the route's body schema: it gives the value its type.
 */
export function validBody<S extends z.ZodType>(
  c: { req: { header(name: string): string | undefined; valid(target: "json" | "form"): unknown } },
  _schema: S,
): z.output<S> {
  const json = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase() === "application/json";
  return c.req.valid(json ? "json" : "form") as z.output<S>;
}

/**
 * Route middleware for a JSON-only body (a WebAuthn credential's nested `toJSON()`): it must be
 * `application/json`, valid UTF-8 and a JSON object; the route's zod schema checks the rest.
 */
export const jsonBody = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (mediaType !== "application/json") throw badRequest("send the credential as JSON (application/json)");
    const text = utf8(await c.req.arrayBuffer());
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw badRequest("body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badRequest("JSON body must be an object");
    if (c.req.header("content-type") !== "application/json") replaceBody(c, "application/json", await c.req.arrayBuffer());
    await next();
  });
