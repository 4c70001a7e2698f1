import type { Context } from "hono";
import { isWellFormed } from "../auth/email";
import { badRequest, FieldError } from "./errors";
import type { FieldSpec, Fields } from "./fields";

/** Every field of this API fits in a few hundred bytes; 16 KiB leaves room and stops floods. */
export const MAX_BODY_BYTES = 16 * 1024;

/** The body as UTF-8 text; bytes that are not UTF-8 are refused, never silently replaced. */
async function bodyText(c: Context): Promise<string> {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.arrayBuffer());
  } catch (error) {
    if (error instanceof TypeError) throw badRequest("body is not valid UTF-8");
    throw error;
  }
}

/**
 * The keys of a valid JSON object text, in order and with repeats. JSON.parse keeps only the
 * last of two equal keys; a form field given twice is refused, so a JSON one must be too.
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

/** Flattens a form or JSON body to name -> values, without trusting its shape. */
async function readRawFields(c: Context): Promise<Map<string, unknown[]>> {
  const fields = new Map<string, unknown[]>();
  const add = (name: string, value: unknown) => fields.set(name, [...(fields.get(name) ?? []), value]);
  const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();

  if (contentType === "application/json") {
    const text = await bodyText(c);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw badRequest("body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw badRequest("JSON body must be an object");
    }
    for (const name of topLevelKeys(text)) add(name, (parsed as Record<string, unknown>)[name]);
  } else if (contentType === "multipart/form-data") {
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch {
      throw badRequest("body is not valid multipart/form-data");
    }
    form.forEach((value, name) => add(name, value));
  } else if (contentType === "application/x-www-form-urlencoded" || contentType === "") {
    // No content type at all: read it as a form, as curl and HTML forms send.
    for (const [name, value] of new URLSearchParams(await bodyText(c))) add(name, value);
  } else {
    throw badRequest("unsupported content type: send a form or JSON");
  }
  return fields;
}

/** Reads exactly the fields in `spec`, each a single non-empty string, or throws a 400. */
export async function readFields<S extends FieldSpec>(c: Context, spec: S): Promise<Fields<S>> {
  const raw = await readRawFields(c);
  const result: Record<string, string> = {};
  for (const [name, rule] of Object.entries(spec)) {
    const values = raw.get(name) ?? [];
    if (values.length > 1) throw new FieldError(name, "repeated", `${name} is given more than once`);
    const value = values[0];
    if (value === undefined || value === null || value === "") throw new FieldError(name, "required", `${name} is required`);
    if (typeof value !== "string") throw new FieldError(name, "not a string", `${name} must be a string`);
    // JSON can escape half a surrogate pair (\ud800): text that cannot be stored as UTF-8.
    if (!isWellFormed(value)) throw new FieldError(name, "not text", `${name} is not valid Unicode text`);
    result[name] = rule.parse(value, name);
  }
  return result as Fields<S>;
}
