import { z } from "@hono/zod-openapi";
import { emailProblem, isPlainAddress, isWellFormed, MAX_EMAIL_LENGTH, normaliseEmail } from "../auth/addresses";
import { FieldError } from "./errors";

/**
 * Request fields as zod schemas: what validates a body is what /openapi.json documents. Each
 * message names the field, in the contract's words; a failed check also carries its `problem`
 * (and the bound it broke), so the pages can say the same thing to a person (see fieldErrorOf).
 */

/** bcrypt reads at most 72 bytes and silently ignores the rest, so longer passwords are refused. */
export const MAX_PASSWORD_BYTES = 72;
export const MAX_TOKEN_LENGTH = 256;

/** One non-empty string of well-formed Unicode. A form field given twice arrives as an array. */
function text(name: string) {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined || issue.input === null
          ? `${name} is required`
          : Array.isArray(issue.input)
            ? `${name} is given more than once`
            : `${name} must be a string`,
    })
    .min(1, { error: `${name} is required` })
    .refine(isWellFormed, { error: `${name} is not valid Unicode text`, params: { problem: "not text" } });
}

/** What a plain address may not hold, as the 400 and the reference say it. */
const PLAIN_RULE = 'no display name, quotes, comments, spaces or any of <>()[],;:\\"';

/**
 * Stored and compared in one normal form (src/auth/addresses.ts): trimmed, NFC, lower-cased. An
 * address being given to an account (`plain`: registration, a new address) must also be a plain
 * addr-spec, the only kind mail is sent to; one presented to log in or to ask for a link keeps
 * the older rule, so accounts made before it still work.
 */
export function email(name = "email", { plain = false } = {}) {
  return text(name)
    .transform((value, ctx) => {
      const address = normaliseEmail(value);
      const problem = emailProblem(address) ?? (plain && !isPlainAddress(address) ? "not plain" : undefined);
      if (problem === undefined) return address;
      const [message, params] =
        problem === "empty"
          ? [`${name} is required`, { problem: "required" }]
          : problem === "too long"
            ? [`${name} is longer than ${MAX_EMAIL_LENGTH} characters`, { problem: "too long", limit: MAX_EMAIL_LENGTH }]
            : problem === "not plain"
              ? [`${name} must be a plain address such as name@example.com: ${PLAIN_RULE}`, { problem: "invalid email" }]
              : [`${name} is not a valid email address`, { problem: "invalid email" }];
      ctx.issues.push({ code: "custom", message, params, input: value });
      return z.NEVER;
    })
    .openapi({
      type: "string",
      format: "email",
      maxLength: MAX_EMAIL_LENGTH,
      description: plain
        ? `Trimmed, normalised to Unicode NFC and lower-cased; invisible characters are refused; a plain address: ${PLAIN_RULE}.`
        : "Trimmed, normalised to Unicode NFC and lower-cased; invisible characters are refused.",
      example: "bob@example.com",
    });
}

const withinBcrypt = (name: string) =>
  text(name).refine((value) => new TextEncoder().encode(value).byteLength <= MAX_PASSWORD_BYTES, {
    error: `${name} is longer than ${MAX_PASSWORD_BYTES} bytes`,
    params: { problem: "too long", limit: MAX_PASSWORD_BYTES },
  });

/** A password presented to log in: as given (not trimmed), within bcrypt's 72 bytes. */
export function password(name = "password") {
  return withinBcrypt(name).openapi({
    description: `The password as typed (not trimmed); at most ${MAX_PASSWORD_BYTES} UTF-8 bytes.`,
    example: "hunter2",
  });
}

/**
 * A password being set. Its minimum length is the deployment's PASSWORD_MIN_LENGTH, which a
 * schema built once cannot know: handlers check it (checkNewPassword) and the served document
 * shows it (the `x-password-min-length` marker is replaced with the setting, see docs routes).
 */
export function newPassword(name = "password") {
  return withinBcrypt(name).openapi({
    description: `The new password as typed (not trimmed): at least PASSWORD_MIN_LENGTH characters and at most ${MAX_PASSWORD_BYTES} UTF-8 bytes.`,
    example: "correct-horse-battery",
    "x-password-min-length": true,
  });
}

/** Reset tokens are opaque: taken as given, bounded so nobody makes us hash megabytes. */
export function token(name: string, description: string) {
  return text(name)
    .refine((value) => value.length <= MAX_TOKEN_LENGTH, {
      error: `${name} is too long`,
      params: { problem: "too long", limit: MAX_TOKEN_LENGTH },
    })
    .openapi({ maxLength: MAX_TOKEN_LENGTH, description, example: "6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f" });
}

/** Every error answer of the JSON API. */
export const ErrorSchema = z
  .object({ message: z.string().openapi({ example: "email is required" }) })
  .openapi("Error", { description: 'Every error of the JSON API: `{"message": "..."}`; a field error names the field.' });

/** The session cookie, where a route reads it. */
export const SessionCookie = z.object({
  session_id: z.string().optional().openapi({ description: "The session id set by `POST /sessions` (HttpOnly)." }),
});

/** PASSWORD_MIN_LENGTH, which differs per deployment, so it is checked here and not in the schema. */
export function checkNewPassword(value: string, minLength: number, name: string): void {
  if ([...value].length < minLength) throw new FieldError(name, "too short", `${name} must be at least ${minLength} characters`, minLength);
}

/**
 * A query parameter of a page: a plain string, its first value when a link repeats it (a page
 * answers a link, not a form: a repeat is not worth an error).
 */
export function queryParam(description: string) {
  return z
    .string()
    .max(MAX_TOKEN_LENGTH)
    .or(z.array(z.string().max(MAX_TOKEN_LENGTH)))
    .transform((value) => (Array.isArray(value) ? value[0]! : value))
    .openapi({ type: "string", description });
}

/** A TOTP code as an app shows it: six digits (spaces around it are dropped). */
export function totpCode(name = "code") {
  return text(name)
    .refine((value) => value.length <= 16, { error: `${name} is too long`, params: { problem: "too long", limit: 16 } })
    .openapi({ description: "The 6-digit code the authenticator app shows now.", example: "123456" });
}

/** A recovery code as it was shown (`xxxxx-xxxxx`; case, spaces and the dash do not matter). */
export function recoveryCode(name = "recovery_code") {
  return text(name)
    .refine((value) => value.length <= 32, { error: `${name} is too long`, params: { problem: "too long", limit: 32 } })
    .openapi({ description: "One of the recovery codes shown when two-factor was turned on; each works once.", example: "k3v9q-x7m2p" });
}

const b64url = (description: string) =>
  z
    .string()
    .max(8192)
    .regex(/^[A-Za-z0-9_-]*={0,2}$/, { error: "must be base64url" })
    .openapi({ description });

/**
 * A WebAuthn credential as `PublicKeyCredential.toJSON()` makes it (registration or assertion).
 * Nested JSON, not form fields: the API's rule of string-only fields does not apply here.
 */
export const CredentialSchema = z
  .object({
    id: b64url("The credential id."),
    rawId: b64url("The credential id again (as toJSON() gives it)."),
    type: z.literal("public-key"),
    authenticatorAttachment: z.string().max(32).nullable().optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
    response: z.object({
      clientDataJSON: b64url("The client data, base64url."),
      attestationObject: b64url("Registration: the attestation object.").optional(),
      authenticatorData: b64url("The authenticator data.").optional(),
      signature: b64url("Assertion: the signature.").optional(),
      userHandle: b64url("Assertion: the user handle.").nullable().optional(),
      transports: z.array(z.string().max(32)).max(16).optional(),
      publicKey: b64url("Registration: the public key (SPKI).").nullable().optional(),
      publicKeyAlgorithm: z.number().int().optional(),
    }),
  })
  .openapi("WebAuthnCredential", { description: "`PublicKeyCredential.toJSON()`, as browsers make it." });
