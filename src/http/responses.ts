import { z } from "@hono/zod-openapi";
import { RateLimited, TemporarilyUnavailable } from "../auth/errors";
import { type DomainErrorClass, httpErrorOf } from "./errors";
import { ErrorSchema } from "./schemas";

/**
 * Helpers to declare a route's answers in createRoute. Error answers come from the one mapping
 * in errors.ts (status, message) so that what /openapi.json says and what the service does
 * cannot drift.
 */

/** The largest body any route takes; every field of this API fits in a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Response headers, described by zod schemas (header names to their schema). */
type Headers = Record<string, z.ZodType>;
type ResponseConfig = { description: string; content?: Record<string, { schema: z.ZodType; example?: unknown }>; headers?: z.ZodObject };

const headerObject = (headers: Headers) => z.object(headers);

const RETRY_AFTER: Headers = {
  "Retry-After": z.string().openapi({ description: "Seconds to wait before trying again.", example: "60" }),
};

export function jsonContent<T extends z.ZodType>(schema: T, description: string, headers?: Headers, example?: unknown) {
  return {
    description,
    content: { "application/json": { schema, ...(example === undefined ? {} : { example }) } },
    ...(headers ? { headers: headerObject(headers) } : {}),
  };
}

export function htmlContent(description: string, headers?: Headers) {
  return { description, content: { "text/html": { schema: z.string() } }, ...(headers ? { headers: headerObject(headers) } : {}) };
}

/** A 303/302 answer; `location` is where it sends the client (one of them, by case). */
export function redirectTo(location: string | [string, string, ...string[]], description: string, headers: Headers = {}) {
  const where = typeof location === "string" ? z.literal(location) : z.string().openapi({ enum: location });
  return {
    description,
    headers: headerObject({ Location: where.openapi({ description: "Where to go next." }), ...headers }),
  };
}

export const setSessionCookie: Headers = {
  "Set-Cookie": z.string().openapi({
    description:
      "`session_id=<id>; Max-Age=<SESSION_LIFETIME_SECONDS>; Path=/; HttpOnly; SameSite=Lax` (plus `Secure` over https), and `device=<token>; Max-Age=31536000; ...`, which gives this client a login throttle of its own.",
  }),
};

export const renewSessionCookie: Headers = {
  "Set-Cookie": z.string().openapi({
    description:
      "`session_id=<new id>; Max-Age=<what is left of the session>; Path=/; HttpOnly; SameSite=Lax`: the same session, a new secret.",
  }),
};

export const clearSessionCookie: Headers = {
  "Set-Cookie": z.string().openapi({ description: "`session_id=; Max-Age=0; Path=/; ...`: the cookie is cleared." }),
};

/** A request body, form-encoded, multipart or JSON, with the same fields. */
export function formOrJson<T extends z.ZodType>(schema: T, description = "The same fields as a form, multipart or JSON body.") {
  return {
    description,
    content: {
      "application/x-www-form-urlencoded": { schema },
      "multipart/form-data": { schema },
      "application/json": { schema },
    },
  };
}

/** Failures answered before or around any route's own code, and the domain errors it may throw. */
export type Failure = DomainErrorClass | "invalid" | "tooLarge" | "crossSite" | "rateLimited";

const common: Record<Exclude<Failure, DomainErrorClass>, { status: number; meaning: string; message: string; retry?: boolean }> = {
  invalid: {
    status: 400,
    message: "email is required",
    meaning:
      "A field is missing, empty, given twice, not a string, not valid Unicode or not valid (the message names it, e.g. `email is required`); or the body is not valid JSON, multipart or UTF-8, or is neither a form nor JSON.",
  },
  tooLarge: {
    status: 413,
    message: `body larger than ${MAX_BODY_BYTES} bytes`,
    meaning: `The body is larger than ${MAX_BODY_BYTES} bytes (\`body larger than ${MAX_BODY_BYTES} bytes\`).`,
  },
  crossSite: {
    status: 403,
    message: "cross-site request refused",
    meaning:
      "A browser sent it from another site: a foreign `Origin` (not in `ALLOWED_ORIGINS`) or `Sec-Fetch-Site: cross-site` (`cross-site request refused`).",
  },
  rateLimited: {
    status: 429,
    message: httpErrorOf(RateLimited)!.message,
    meaning: `${httpErrorOf(RateLimited)!.meaning} (\`${httpErrorOf(RateLimited)!.message}\`)`,
    retry: true,
  },
};

/**
 * The error answers of a route, merged by status: `failures(["invalid", UserAlreadyExists])`.
 * Every route can also answer 503 (the service cannot answer right now, or the database failed
 * for a moment). Pages answer in HTML.
 */
export function failures(kinds: Failure[], options: { html?: boolean } = {}): Record<number, ResponseConfig> {
  // Each status's example is its own first message (the reference shows it), not the schema's.
  const byStatus = new Map<number, { meanings: string[]; retry: boolean; example: string }>();
  const add = (status: number, meaning: string, message: string, retry = false) => {
    const entry = byStatus.get(status) ?? { meanings: [], retry: false, example: message };
    entry.meanings.push(meaning);
    entry.retry ||= retry;
    byStatus.set(status, entry);
  };
  for (const kind of kinds) {
    if (typeof kind === "string") {
      const { status, meaning, message, retry } = common[kind];
      add(status, meaning, message, retry);
    } else {
      const known = httpErrorOf(kind)!;
      add(known.status, `${known.meaning} (\`${known.message}\`)`, known.message, known.status === 429);
    }
  }
  const unavailable = httpErrorOf(TemporarilyUnavailable)!;
  add(503, `${unavailable.meaning} (\`${unavailable.message}\`)`, unavailable.message, true);
  add(503, "The service cannot answer right now; try again later (`service unavailable`).", "service unavailable");
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, { meanings, retry, example }] of byStatus) {
    const description = meanings.join(" Or: ");
    const headers = retry ? RETRY_AFTER : undefined;
    responses[status] = options.html
      ? htmlContent(description, headers)
      : jsonContent(ErrorSchema, description, headers, { message: example });
  }
  return responses;
}

/** A refusal that may ask for a second factor (`second_factor`: what finishes it). */
export const SecondFactorAnswer = z
  .object({
    message: z.string().openapi({ example: "second factor required" }),
    second_factor: z
      .array(z.enum(["totp", "recovery_code"]))
      .optional()
      .openapi({
        description: 'Present when the password was right and two-factor is on: `["totp", "recovery_code"]`.',
      }),
  })
  .openapi("SecondFactorAnswer");

export const pendingLoginCookie: Headers = {
  "Set-Cookie": z.string().openapi({
    description:
      "With `second_factor`: `pending_login=<secret>; Max-Age=300; Path=/; HttpOnly; SameSite=Lax`, the pending login `POST /sessions/two-factor` finishes.",
  }),
};

export const challengeCookie: Headers = {
  "Set-Cookie": z.string().openapi({
    description: "`webauthn_challenge=<secret>; Max-Age=300; Path=/; HttpOnly; SameSite=Lax`: binds the challenge to this browser.",
  }),
};

const credentialDescriptor = z.object({ type: z.literal("public-key"), id: z.string(), transports: z.array(z.string()).optional() });

/** `PublicKeyCredentialRequestOptionsJSON`: what `parseRequestOptionsFromJSON` reads. */
export const RequestOptionsSchema = z
  .object({
    challenge: z.string(),
    rpId: z.string(),
    timeout: z.number().int(),
    userVerification: z.string(),
    allowCredentials: z.array(credentialDescriptor).optional(),
    hints: z.array(z.string()).optional(),
  })
  .openapi("PasskeyRequestOptions");

/** `PublicKeyCredentialCreationOptionsJSON`: what `parseCreationOptionsFromJSON` reads. */
export const CreationOptionsSchema = z
  .object({
    rp: z.object({ id: z.string(), name: z.string() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    challenge: z.string(),
    pubKeyCredParams: z.array(z.object({ type: z.literal("public-key"), alg: z.number().int() })),
    timeout: z.number().int(),
    excludeCredentials: z.array(credentialDescriptor),
    authenticatorSelection: z.object({ residentKey: z.string(), requireResidentKey: z.boolean(), userVerification: z.string() }),
    attestation: z.string(),
    hints: z.array(z.string()).optional(),
  })
  .openapi("PasskeyCreationOptions");
