import { createRoute, z } from "@hono/zod-openapi";
import {
  InvalidCode,
  LoginThrottled,
  NotLoggedIn,
  PasskeyRejected,
  PendingLoginExpired,
  SecondFactorRequired,
  SecondFactorThrottled,
} from "../../auth/errors";
import { formOrJsonBody, jsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import {
  challengeCookie,
  clearSessionCookie,
  failures,
  formOrJson,
  jsonContent,
  pendingLoginCookie,
  RequestOptionsSchema,
  redirectTo,
  SecondFactorAnswer,
  setSessionCookie,
} from "../../http/responses";
import { CredentialSchema, email, password, recoveryCode, SessionCookie, totpCode } from "../../http/schemas";

const tags = ["API"];

export const LoginBody = z.object({ email: email(), password: password() });

export const logIn = createRoute({
  method: "post",
  path: "/sessions",
  tags,
  summary: "Log in",
  description:
    "Checks the password and starts a session: sets the `session_id` cookie. Each login adds a session (one per device); beyond MAX_SESSIONS_PER_USER the least recently used ends. A client that has logged in before (its `device` cookie) has a login throttle of its own. For an account with two-factor on, the right password answers 401 `second factor required` with a `pending_login` cookie (5 minutes) and no session: `POST /sessions/two-factor` finishes it.",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "login"), formOrJsonBody(["email", "password"])] as const,
  request: { body: formOrJson(LoginBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal("logged in") }), "Logged in.", setSessionCookie),
    401: jsonContent(
      SecondFactorAnswer,
      "Wrong email or password (`invalid email or password`), or, with `second_factor`, the right password for an account with two-factor on: a `pending_login` cookie is set.",
      pendingLoginCookie,
    ),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", LoginThrottled]),
  },
});

export const TwoFactorLoginBody = z.object({ code: totpCode().optional(), recovery_code: recoveryCode().optional() });

export const logInTwoFactor = createRoute({
  method: "post",
  path: "/sessions/two-factor",
  tags,
  summary: "Finish a login with a second factor",
  description:
    "With the `pending_login` cookie of a login that answered `second factor required`: `code` (the authenticator app's) or `recovery_code`. A code works once, for its 30-second step or one either side; a pending login takes 5 tries. Wrong codes count in the account's second-factor backoff, which a right password does not end.",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "login-two-factor"), formOrJsonBody(["code", "recovery_code"])] as const,
  request: { cookies: z.object({ pending_login: z.string().optional() }), body: formOrJson(TwoFactorLoginBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal("logged in") }), "Logged in.", setSessionCookie),
    ...failures([
      "invalid",
      "tooLarge",
      "crossSite",
      "rateLimited",
      InvalidCode,
      PendingLoginExpired,
      SecondFactorRequired,
      SecondFactorThrottled,
    ]),
  },
});

export const passkeyOptions = createRoute({
  method: "post",
  path: "/sessions/passkey/options",
  tags,
  summary: "Options to sign in with a passkey",
  description:
    "Request options for `navigator.credentials.get()`, in the JSON `PublicKeyCredential.parseRequestOptionsFromJSON()` reads: no `allowCredentials` (any passkey of this site). The challenge is bound to this browser (a `webauthn_challenge` cookie), works once, for 5 minutes.",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "passkey-options")] as const,
  responses: {
    200: jsonContent(RequestOptionsSchema, "The options.", challengeCookie),
    ...failures(["tooLarge", "crossSite", "rateLimited"]),
  },
});

export const logInPasskey = createRoute({
  method: "post",
  path: "/sessions/passkey",
  tags,
  summary: "Sign in with a passkey",
  description:
    "The assertion, as `credential.toJSON()` makes it (nested JSON), against this browser's challenge: a session, as a login opens one (a passkey counts as two factors). A replayed assertion finds its challenge spent.",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "passkey-login"), jsonBody()] as const,
  request: {
    cookies: z.object({ webauthn_challenge: z.string().optional() }),
    body: { content: { "application/json": { schema: CredentialSchema } }, required: true },
  },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal("logged in") }), "Logged in.", setSessionCookie),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", PasskeyRejected]),
  },
});

export const logOut = createRoute({
  method: "delete",
  path: "/sessions",
  tags,
  summary: "Log out",
  security: [{ sessionCookie: [] }],
  request: { cookies: SessionCookie },
  responses: {
    302: redirectTo("/", "The session was ended and the cookie is cleared.", clearSessionCookie),
    ...failures(["tooLarge", "crossSite", NotLoggedIn]),
  },
});
