import type { Context } from "hono";
import { badRequest } from "./errors";

/** Every field of this API fits in a few hundred bytes; 16 KiB leaves room and stops floods. */
export const MAX_BODY_BYTES = 16 * 1024;

export type FieldRule = (value: string, name: string) => string;

/** Per-route field specs: each rule trims/checks one field and returns the trusted value. */
export type FieldSpec = Record<string, FieldRule>;
export type Fields<S extends FieldSpec> = { [K in keyof S]: string };

/** The body as UTF-8 text; invalid bytes become U+FFFD rather than an exception. */
async function bodyText(c: Context): Promise<string> {
  return new TextDecoder().decode(await c.req.arrayBuffer());
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
    if (values.length > 1) throw badRequest(`${name} is given more than once`);
    const value = values[0];
    if (value === undefined || value === null || value === "") throw badRequest(`${name} is required`);
    if (typeof value !== "string") throw badRequest(`${name} must be a string`);
    result[name] = rule(value, name);
  }
  return result as Fields<S>;
}

const MAX_EMAIL_LENGTH = 254;

/** Emails are compared as trimmed, lower-cased strings. */
export const emailField: FieldRule = (value, name) => {
  const email = value.trim().toLowerCase();
  if (email === "") throw badRequest(`${name} is required`);
  if (email.length > MAX_EMAIL_LENGTH) throw badRequest(`${name} is longer than ${MAX_EMAIL_LENGTH} characters`);
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || /[\u0000-\u001f\u007f]/.test(email)) {
    throw badRequest(`${name} is not a valid email address`);
  }
  return email;
};

/** bcrypt reads at most 72 bytes and silently ignores the rest, so longer passwords are refused. */
export const MAX_PASSWORD_BYTES = 72;

/** A password presented at login: as given, within bcrypt's limit. */
export const passwordField: FieldRule = (value, name) => {
  if (new TextEncoder().encode(value).byteLength > MAX_PASSWORD_BYTES) {
    throw badRequest(`${name} is longer than ${MAX_PASSWORD_BYTES} bytes`);
  }
  return value;
};

/** A password being set: also at least `minLength` characters (PASSWORD_MIN_LENGTH). */
export const newPasswordField =
  (minLength: number): FieldRule =>
  (value, name) => {
    if ([...value].length < minLength) throw badRequest(`${name} must be at least ${minLength} characters`);
    return passwordField(value, name);
  };

/** Tokens are opaque: taken as given, bounded so nobody makes us hash megabytes. */
export const tokenField: FieldRule = (value, name) => {
  if (value.length > 256) throw badRequest(`${name} is too long`);
  return value;
};
