import { emailProblem, MAX_EMAIL_LENGTH, normaliseEmail } from "../auth/email";
import { FieldError } from "./errors";

/** A JSON Schema fragment, as OpenAPI 3.1 uses them. */
export type JsonSchema = Record<string, unknown>;

/**
 * One request field: how it is checked (`parse` returns the trusted value or throws a 400) and
 * how it is documented (`schema`, served in /openapi.json). Both live here so they cannot drift.
 */
export interface Field {
  parse(value: string, name: string): string;
  schema: JsonSchema;
}

/** Per-route field specs. */
export type FieldSpec = Record<string, Field>;
export type Fields<S extends FieldSpec> = { [K in keyof S]: string };

export { MAX_EMAIL_LENGTH };
/** bcrypt reads at most 72 bytes and silently ignores the rest, so longer passwords are refused. */
export const MAX_PASSWORD_BYTES = 72;
export const MAX_TOKEN_LENGTH = 256;

/** Emails are stored and compared in one normal form (src/auth/email.ts). */
export const emailField: Field = {
  parse(value, name) {
    const email = normaliseEmail(value);
    const problem = emailProblem(email);
    if (problem === "empty") throw new FieldError(name, "required", `${name} is required`);
    if (problem === "too long") {
      throw new FieldError(name, "too long", `${name} is longer than ${MAX_EMAIL_LENGTH} characters`, MAX_EMAIL_LENGTH);
    }
    if (problem) throw new FieldError(name, "invalid email", `${name} is not a valid email address`);
    return email;
  },
  schema: {
    type: "string",
    format: "email",
    maxLength: MAX_EMAIL_LENGTH,
    description: "Trimmed, normalised to NFC and lower-cased before use; invisible characters are refused.",
    examples: ["bob@example.com"],
  },
};

function checkPasswordBytes(value: string, name: string): string {
  if (new TextEncoder().encode(value).byteLength > MAX_PASSWORD_BYTES) {
    throw new FieldError(name, "too long", `${name} is longer than ${MAX_PASSWORD_BYTES} bytes`, MAX_PASSWORD_BYTES);
  }
  return value;
}

/** A password presented at login: as given, within bcrypt's limit. */
export const passwordField: Field = {
  parse: checkPasswordBytes,
  schema: {
    type: "string",
    minLength: 1,
    description: `Taken as given (not trimmed); at most ${MAX_PASSWORD_BYTES} UTF-8 bytes.`,
    examples: ["hunter2"],
  },
};

/** A password being set: also at least `minLength` characters (PASSWORD_MIN_LENGTH). */
export function newPasswordField(minLength: number): Field {
  return {
    parse(value, name) {
      if ([...value].length < minLength) {
        throw new FieldError(name, "too short", `${name} must be at least ${minLength} characters`, minLength);
      }
      return checkPasswordBytes(value, name);
    },
    schema: {
      type: "string",
      minLength,
      description: `Taken as given (not trimmed); at least ${minLength} characters (PASSWORD_MIN_LENGTH) and at most ${MAX_PASSWORD_BYTES} UTF-8 bytes.`,
      examples: ["correct-horse-battery"],
    },
  };
}

/** Tokens are opaque: taken as given, bounded so nobody makes us hash megabytes. */
export const tokenField: Field = {
  parse(value, name) {
    if (value.length > MAX_TOKEN_LENGTH) throw new FieldError(name, "too long", `${name} is too long`, MAX_TOKEN_LENGTH);
    return value;
  },
  schema: {
    type: "string",
    maxLength: MAX_TOKEN_LENGTH,
    description: "The reset_token from POST /reset_password; works once, for RESET_TOKEN_LIFETIME_SECONDS.",
    examples: ["6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f"],
  },
};
