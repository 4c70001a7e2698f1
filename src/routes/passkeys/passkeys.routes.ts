import { createRoute, z } from "@hono/zod-openapi";
import { NoSuchPasskey, NotLoggedIn, PasskeyExists, PasskeyRejected, ReauthenticationRequired } from "../../auth/errors";
import { jsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import { challengeCookie, CreationOptionsSchema, failures, jsonContent } from "../../http/responses";
import { CredentialSchema, SessionCookie } from "../../http/schemas";

/**
 * The logged-in user's passkeys (WebAuthn Level 3). Adding and removing one needs a proof of
 * presence within REAUTH_WINDOW_SECONDS. These routes take the nested JSON `toJSON()` makes: the
 * API's rule of string-only form fields does not apply to them.
 */
const tags = ["Two-factor and passkeys"];
const security = [{ sessionCookie: [] }];

export const PasskeySchema = z
  .object({
    id: z.string().openapi({
      description: "This service's name for it: `DELETE /profile/passkeys/{id}`.",
      example: "5f0c3b2a9d8e4f7a1b6c2d3e4f5a6b7c",
    }),
    name: z.string().openapi({ example: "Chrome on macOS, 2026-12-03" }),
    created_at: z.number().int(),
    last_used_at: z.number().int().nullable(),
    backed_up: z.boolean().openapi({ description: "The authenticator says it is synced (backed up)." }),
  })
  .openapi("Passkey");

export const list = createRoute({
  method: "get",
  path: "/profile/passkeys",
  tags,
  summary: "My passkeys",
  security,
  request: { cookies: SessionCookie },
  responses: { 200: jsonContent(z.object({ passkeys: z.array(PasskeySchema) }), "The passkeys."), ...failures([NotLoggedIn]) },
});

export const options = createRoute({
  method: "post",
  path: "/profile/passkeys/options",
  tags,
  summary: "Options to add a passkey",
  description:
    "Creation options for `navigator.credentials.create()`, in the JSON `PublicKeyCredential.parseCreationOptionsFromJSON()` reads: a discoverable credential required, user verification preferred, the relying party the host of PUBLIC_URL, this account's passkeys excluded. The challenge is bound to this browser (a cookie), for 5 minutes.",
  security,
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "passkey-add")] as const,
  request: { cookies: SessionCookie },
  responses: {
    200: jsonContent(CreationOptionsSchema, "The options.", challengeCookie),
    ...failures(["tooLarge", "crossSite", "rateLimited", NotLoggedIn, ReauthenticationRequired]),
  },
});

export const add = createRoute({
  method: "post",
  path: "/profile/passkeys",
  tags,
  summary: "Add a passkey",
  description: "The new credential, as `credential.toJSON()` makes it, against this browser's challenge. The address gets a notice.",
  security,
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "passkey-add"), jsonBody()] as const,
  request: {
    cookies: SessionCookie.extend({ webauthn_challenge: z.string().optional() }),
    body: { content: { "application/json": { schema: CredentialSchema } }, required: true },
  },
  responses: {
    201: jsonContent(PasskeySchema, "Added."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", NotLoggedIn, ReauthenticationRequired, PasskeyRejected, PasskeyExists]),
  },
});

export const remove = createRoute({
  method: "delete",
  path: "/profile/passkeys/{id}",
  tags,
  summary: "Remove a passkey",
  description: "Another user's passkey id is answered exactly like an unknown one. The address gets a notice.",
  security,
  request: {
    cookies: SessionCookie,
    params: z.object({ id: z.string().max(64).openapi({ description: "From `GET /profile/passkeys`." }) }),
  },
  responses: {
    200: jsonContent(z.object({ message: z.literal("passkey removed") }), "Removed."),
    ...failures(["tooLarge", "crossSite", NotLoggedIn, ReauthenticationRequired, NoSuchPasskey]),
  },
});
