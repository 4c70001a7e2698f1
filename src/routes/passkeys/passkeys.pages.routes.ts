import { createRoute, z } from "@hono/zod-openapi";
import {
  InvalidCode,
  LoginThrottled,
  NoSuchPasskey,
  NotLoggedIn,
  ReauthenticationRequired,
  SecondFactorThrottled,
  TwoFactorNotOn,
  WrongPassword,
} from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import { failures, formOrJson, htmlContent, redirectTo } from "../../http/responses";
import { password, recoveryCode, SessionCookie, token, totpCode } from "../../http/schemas";
import { nextParam } from "../account/account.routes";

/** The passkeys page, and "confirm it is you" (which passkeys and other sensitive actions send people to). */
const tags = ["Pages"];

export const page = createRoute({
  method: "get",
  path: "/account/passkeys",
  tags,
  summary: "Passkeys page",
  description: "The account's passkeys, each with a button to remove it, and one to add a passkey (the page's script, /passkeys.js).",
  request: { cookies: SessionCookie },
  responses: { 200: htmlContent("The page."), 303: redirectTo("/account/login", "Not logged in."), ...failures([], { html: true }) },
});

export const RemoveForm = z.object({ passkey: token("passkey", "A passkey id from the list.") });

export const remove = createRoute({
  method: "post",
  path: "/account/passkeys/remove",
  tags,
  summary: "Remove a passkey (form post)",
  middleware: [formOrJsonBody(["passkey"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(RemoveForm) },
  responses: {
    303: redirectTo(["/account/passkeys", "/account/reauthenticate"], "Removed; or, without a recent proof, to confirm it is you first."),
    ...failures(["invalid", "tooLarge", "crossSite", NotLoggedIn, NoSuchPasskey, ReauthenticationRequired], { html: true }),
  },
});

export const reauthenticateForm = createRoute({
  method: "get",
  path: "/account/reauthenticate",
  tags,
  summary: '"Confirm it is you" page',
  request: { cookies: SessionCookie, query: z.object({ next: nextParam }) },
  responses: {
    200: htmlContent("The password form, a code form (two-factor on) and a passkey button."),
    303: redirectTo("/account/login", "Not logged in."),
    ...failures([], { html: true }),
  },
});

export const ReauthForm = z.object({
  password: password().optional(),
  code: totpCode().optional(),
  recovery_code: recoveryCode().optional(),
});

export const reauthenticate = createRoute({
  method: "post",
  path: "/account/reauthenticate",
  tags,
  summary: "Confirm it is you (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "reauthenticate"), formOrJsonBody(["password", "code", "recovery_code"])] as const,
  request: { cookies: SessionCookie, query: z.object({ next: nextParam }), body: formOrJson(ReauthForm) },
  responses: {
    303: redirectTo("/account/profile", "Confirmed: to `next` (a path of this site) or the profile."),
    ...failures(
      [
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
      ],
      {
        html: true,
      },
    ),
  },
});

/** The pages' passkey script (public/passkeys.js), served where nothing serves assets first. */
export const script = createRoute({
  method: "get",
  path: "/passkeys.js",
  hide: true,
  responses: { 200: { description: "The script." } },
});
