import type { Context } from "hono";
import { badRequest } from "./errors";

export type FieldRule = (value: string, name: string) => string;

/** Per-route field specs: each rule trims/checks one field and returns the trusted value. */
export type FieldSpec = Record<string, FieldRule>;
export type Fields<S extends FieldSpec> = { [K in keyof S]: string };

/** The body as UTF-8 text; invalid bytes become U+FFFD rather than an exception. */
async function bodyText(c: Context): Promise<string> {
  return new TextDecoder().decode(await c.req.arrayBuffer());
}

/** Flattens a form or JSON body to name -> values, without trusting its shape. */
async function readRawFields(c: Context): Promise<Map<string, unknown[]>> {
  const fields = new Map<string, unknown[]>();
  const add = (name: string, value: unknown) => fields.set(name, [...(fields.get(name) ?? []), value]);
  const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();

  if (contentType === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await bodyText(c));
    } catch {
      throw badRequest("body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw badRequest("JSON body must be an object");
    }
    for (const [name, value] of Object.entries(parsed)) add(name, value);
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

/** Passwords and tokens are taken as given (no trimming). */
export const secretField: FieldRule = (value) => value;
