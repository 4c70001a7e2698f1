import { createRoute, z } from "@hono/zod-openapi";
import {
  InvalidCode,
  LoginThrottled,
  NotLoggedIn,
  SecondFactorRequired,
  SecondFactorThrottled,
  TwoFactorAlreadyOn,
  TwoFactorNotOn,
  WrongPassword,
} from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import { failures, formOrJson, jsonContent } from "../../http/responses";
import { password, recoveryCode, SessionCookie, totpCode } from "../../http/schemas";

/** Two-factor sign-in for the logged-in user: TOTP (RFC 6238) with recovery codes. */
const tags = ["Two-factor and passkeys"];
const security = [{ sessionCookie: [] }];

const RecoveryCodes = z.object({
  recovery_codes: z
    .array(z.string())
    .openapi({ description: "Ten single-use codes, shown this once; stored only as digests.", example: ["k3v9q-x7m2p"] }),
});

export const status = createRoute({
  method: "get",
  path: "/profile/two-factor",
  tags,
  summary: "Two-factor: on or off",
  security,
  request: { cookies: SessionCookie },
  responses: {
    200: jsonContent(
      z.object({
        state: z.enum(["off", "pending", "on"]).openapi({ description: "`pending`: a secret waits for its first code." }),
        recovery_codes_left: z.number().int(),
      }),
      "The state.",
    ),
    ...failures([NotLoggedIn]),
  },
});

export const BeginBody = z.object({ password: password() });

export const begin = createRoute({
  method: "post",
  path: "/profile/two-factor",
  tags,
  summary: "Turn two-factor on (step 1)",
  description:
    "Needs the password (checked under the login backoff). A new TOTP secret (SHA-1, 6 digits, 30 s), pending until a code confirms it: `otpauth_uri` is what an authenticator app reads, as a QR code or as text. Asking again replaces a pending secret.",
  security,
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "two-factor"), formOrJsonBody(["password"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(BeginBody) },
  responses: {
    200: jsonContent(
      z.object({
        otpauth_uri: z.string().openapi({
          example: "otpauth://totp/edge-auth:bob%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=edge-auth&algorithm=SHA1&digits=6&period=30",
        }),
      }),
      "The secret, for the app.",
    ),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", NotLoggedIn, WrongPassword, LoginThrottled, TwoFactorAlreadyOn]),
  },
});

export const ConfirmBody = z.object({ code: totpCode() });

export const confirm = createRoute({
  method: "post",
  path: "/profile/two-factor/confirm",
  tags,
  summary: "Turn two-factor on (step 2)",
  description:
    "A code from the app confirms the pending secret: two-factor is on, and the ten recovery codes are shown, once. The address gets a notice.",
  security,
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "two-factor"), formOrJsonBody(["code"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(ConfirmBody) },
  responses: {
    200: jsonContent(RecoveryCodes, "On."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", NotLoggedIn, InvalidCode, TwoFactorAlreadyOn, TwoFactorNotOn]),
  },
});

export const CodeBody = z.object({ password: password(), code: totpCode().optional(), recovery_code: recoveryCode().optional() });

const withCode = [
  "invalid",
  "tooLarge",
  "crossSite",
  "rateLimited",
  NotLoggedIn,
  WrongPassword,
  LoginThrottled,
  SecondFactorRequired,
  InvalidCode,
  SecondFactorThrottled,
  TwoFactorNotOn,
] as const;

export const disable = createRoute({
  method: "delete",
  path: "/profile/two-factor",
  tags,
  summary: "Turn two-factor off",
  description:
    "Needs the password and a code (`code` or `recovery_code`). The authenticator and the recovery codes are deleted; the address gets a notice.",
  security,
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "two-factor"), formOrJsonBody(["password", "code", "recovery_code"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(CodeBody) },
  responses: {
    200: jsonContent(z.object({ message: z.literal("two-factor turned off") }), "Off."),
    ...failures([...withCode]),
  },
});

export const regenerate = createRoute({
  method: "post",
  path: "/profile/two-factor/recovery-codes",
  tags,
  summary: "New recovery codes",
  description: "Needs the password and a code. A new set of ten; the old ones stop working. The address gets a notice.",
  security,
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "two-factor"), formOrJsonBody(["password", "code", "recovery_code"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(CodeBody) },
  responses: {
    200: jsonContent(RecoveryCodes, "The new set."),
    ...failures([...withCode]),
  },
});
