import { createRoute, z } from "@hono/zod-openapi";
import {
  BreachedPassword,
  InvalidCode,
  LoginThrottled,
  NoSuchSession,
  NotLoggedIn,
  PasskeyRejected,
  ReauthenticationRequired,
  SecondFactorRequired,
  SecondFactorThrottled,
  TooManyPasswordChanges,
  TwoFactorNotOn,
  UserAlreadyExists,
  WrongPassword,
} from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import { clearSessionCookie, failures, formOrJson, jsonContent, renewSessionCookie } from "../../http/responses";
import { CredentialSchema, email, newPassword, password, recoveryCode, SessionCookie, totpCode } from "../../http/schemas";

/**
 * The logged-in user's sessions and account: every route reads the session cookie. Changing the
 * password and deleting the account check the password under the login throttle.
 */
const tags = ["Account"];
const security = [{ sessionCookie: [] }];

export const SessionSchema = z
  .object({
    id: z.string().openapi({
      description: "The session's public id: names it here, useless for logging in.",
      example: "5f0c3b2a9d8e4f7a1b6c2d3e4f5a6b7c",
    }),
    device: z.string().nullable().openapi({ description: "From the User-Agent it was opened with.", example: "Firefox on Linux" }),
    country: z.string().nullable().openapi({ description: "Cloudflare's country code of the login request.", example: "FR" }),
    created_at: z.number().int().openapi({ description: "Unix seconds." }),
    last_used_at: z.number().int().openapi({ description: "Unix seconds (moved at most once per refresh step)." }),
    current: z.boolean().openapi({ description: "This is the session making the request." }),
  })
  .openapi("Session");

export const listSessions = createRoute({
  method: "get",
  path: "/profile/sessions",
  tags,
  summary: "My sessions",
  description: "Every live session of the logged-in user (every device it is logged in on), most recently used first.",
  security,
  request: { cookies: SessionCookie },
  responses: {
    200: jsonContent(z.object({ sessions: z.array(SessionSchema) }), "The sessions."),
    ...failures([NotLoggedIn]),
  },
});

export const endSession = createRoute({
  method: "delete",
  path: "/profile/sessions/{id}",
  tags,
  summary: "End one of my sessions",
  description: "Logs that device out. Another user's session id is answered exactly like an unknown one.",
  security,
  request: {
    cookies: SessionCookie,
    params: z.object({ id: z.string().openapi({ description: "From `GET /profile/sessions`." }) }),
  },
  responses: {
    200: jsonContent(z.object({ message: z.literal("session ended") }), "Ended."),
    ...failures(["tooLarge", "crossSite", NotLoggedIn, NoSuchSession]),
  },
});

const ended = (message: string) =>
  z.object({ message: z.literal(message), ended: z.number().int().openapi({ description: "How many sessions ended." }) });

export const endOtherSessions = createRoute({
  method: "post",
  path: "/profile/sessions/end-others",
  tags,
  summary: "Log out everywhere else",
  description:
    "Ends every session of the user but this one (and any pending address change). Needs a proof of presence within REAUTH_WINDOW_SECONDS (the login counts): else 403 `confirm it is you` with `reauthenticate: true`.",
  security,
  request: { cookies: SessionCookie },
  responses: {
    200: jsonContent(ended("other sessions ended"), "Ended."),
    ...failures(["tooLarge", "crossSite", NotLoggedIn, ReauthenticationRequired]),
  },
});

export const endAllSessions = createRoute({
  method: "post",
  path: "/profile/sessions/end-all",
  tags,
  summary: "Log out everywhere",
  description:
    "Ends every session of the user, this one included (and any pending address change); the cookie is cleared. Needs a proof of presence within REAUTH_WINDOW_SECONDS (the login counts): else 403 `confirm it is you` with `reauthenticate: true`.",
  security,
  request: { cookies: SessionCookie },
  responses: {
    200: jsonContent(ended("all sessions ended"), "Ended.", clearSessionCookie),
    ...failures(["tooLarge", "crossSite", NotLoggedIn, ReauthenticationRequired]),
  },
});

/** With two-factor on, actions that take the password take a code as well. */
const codeFields = { code: totpCode().optional(), recovery_code: recoveryCode().optional() };
const withCodes = [SecondFactorRequired, InvalidCode, SecondFactorThrottled] as const;

export const ChangePasswordBody = z.object({
  current_password: password("current_password"),
  new_password: newPassword("new_password"),
  ...codeFields,
});

export const changePassword = createRoute({
  method: "put",
  path: "/profile/password",
  tags,
  summary: "Change my password",
  description:
    "Needs the current password (a wrong one counts in the login backoff like a failed login). Every other session ends and this one gets a new secret: a new `session_id` cookie.",
  security,
  middleware: [
    rateLimit("LOGIN_RATE_LIMITER", "password-change"),
    formOrJsonBody(["current_password", "new_password", "code", "recovery_code"]),
  ] as const,
  request: { cookies: SessionCookie, body: formOrJson(ChangePasswordBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal("password changed") }), "Changed.", renewSessionCookie),
    ...failures([
      "invalid",
      "tooLarge",
      "crossSite",
      "rateLimited",
      NotLoggedIn,
      WrongPassword,
      LoginThrottled,
      TooManyPasswordChanges,
      BreachedPassword,
      ...withCodes,
    ]),
  },
});

export const DeleteAccountBody = z.object({ password: password(), ...codeFields });

export const deleteAccount = createRoute({
  method: "post",
  path: "/profile/delete",
  tags,
  summary: "Delete my account",
  description:
    "Needs the password (checked under the login backoff). The user, every session and any reset token are deleted in one step; the cookie is cleared and the email can register again.",
  security,
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "account-delete"), formOrJsonBody(["password", "code", "recovery_code"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(DeleteAccountBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal("account deleted") }), "Deleted.", clearSessionCookie),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", NotLoggedIn, WrongPassword, LoginThrottled, ...withCodes]),
  },
});

export const ChangeEmailBody = z.object({ password: password(), new_email: email("new_email", { plain: true }), ...codeFields });

export const changeEmail = createRoute({
  method: "put",
  path: "/profile/email",
  tags,
  summary: "Change my address",
  description:
    "Needs the password (checked under the login backoff). A confirmation link goes to the new address; the change happens only when it is followed (`POST /confirm_email`), and the old address then gets a notice.",
  security,
  middleware: [
    rateLimit("LOGIN_RATE_LIMITER", "email-change"),
    formOrJsonBody(["password", "new_email", "code", "recovery_code"]),
  ] as const,
  request: { cookies: SessionCookie, body: formOrJson(ChangeEmailBody) },
  responses: {
    200: jsonContent(
      z.object({ email: z.string(), new_email: z.string(), message: z.literal("confirmation link sent to the new address") }),
      "The link is on its way; nothing has changed yet.",
    ),
    ...failures([
      "invalid",
      "tooLarge",
      "crossSite",
      "rateLimited",
      NotLoggedIn,
      WrongPassword,
      LoginThrottled,
      UserAlreadyExists,
      ...withCodes,
    ]),
  },
});

export const ReauthBody = z.object({
  password: password().optional(),
  ...codeFields,
  // Or a passkey assertion, `credential.toJSON()` as it is (after POST /sessions/passkey/options).
  id: CredentialSchema.shape.id.optional(),
  rawId: CredentialSchema.shape.rawId.optional(),
  type: CredentialSchema.shape.type.optional(),
  response: CredentialSchema.shape.response.optional(),
  authenticatorAttachment: CredentialSchema.shape.authenticatorAttachment,
  clientExtensionResults: CredentialSchema.shape.clientExtensionResults,
});

export const reauthenticate = createRoute({
  method: "post",
  path: "/profile/reauthenticate",
  tags,
  summary: "Confirm it is you",
  description:
    "A fresh proof of presence for this session, by one of: `password`; `code` or `recovery_code` (two-factor on); or a passkey assertion (`credential.toJSON()` as the body, after `POST /sessions/passkey/options`). Sensitive actions (ending all or all other sessions, adding or removing a passkey) then go through for REAUTH_WINDOW_SECONDS.",
  security,
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "reauthenticate"), formOrJsonBody(["password", "code", "recovery_code"])] as const,
  request: { cookies: SessionCookie.extend({ webauthn_challenge: z.string().optional() }), body: formOrJson(ReauthBody) },
  responses: {
    200: jsonContent(
      z.object({ message: z.literal("confirmed"), reauthenticated_until: z.number().int().openapi({ description: "Unix seconds." }) }),
      "Confirmed.",
    ),
    ...failures([
      "invalid",
      "tooLarge",
      "crossSite",
      "rateLimited",
      NotLoggedIn,
      WrongPassword,
      LoginThrottled,
      InvalidCode,
      SecondFactorThrottled,
      TwoFactorNotOn,
      PasskeyRejected,
    ]),
  },
});
