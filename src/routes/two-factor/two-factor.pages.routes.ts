import { createRoute, z } from "@hono/zod-openapi";
import {
  InvalidCode,
  LoginThrottled,
  NotLoggedIn,
  PendingLoginExpired,
  SecondFactorRequired,
  SecondFactorThrottled,
  TwoFactorAlreadyOn,
  TwoFactorNotOn,
  WrongPassword,
} from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import { failures, formOrJson, htmlContent, redirectTo, setSessionCookie } from "../../http/responses";
import { SessionCookie } from "../../http/schemas";
import { nextParam } from "../account/account.routes";
import { TwoFactorLoginBody } from "../sessions/sessions.routes";
import { BeginBody, CodeBody, ConfirmBody } from "./two-factor.routes";

/** The pages of two-factor sign-in: its state, turning it on and off, and a login's second step. */
const tags = ["Pages"];
const html = (kinds: Parameters<typeof failures>[0]) =>
  failures(["invalid", "tooLarge", "crossSite", "rateLimited", ...kinds], { html: true });

export const loginCodeForm = createRoute({
  method: "get",
  path: "/account/login/two-factor",
  tags,
  summary: "Two-factor login: the code's form",
  request: { query: z.object({ next: nextParam }) },
  responses: { 200: htmlContent("The form (a code, or a recovery code)."), ...failures([], { html: true }) },
});

export const loginCode = createRoute({
  method: "post",
  path: "/account/login/two-factor",
  tags,
  summary: "Two-factor login: the code (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "login-two-factor"), formOrJsonBody(["code", "recovery_code"])] as const,
  request: { query: z.object({ next: nextParam }), body: formOrJson(TwoFactorLoginBody) },
  responses: {
    303: redirectTo("/account/profile", "Logged in: to `next` (a path of this site) or the profile.", setSessionCookie),
    ...html([InvalidCode, PendingLoginExpired, SecondFactorRequired, SecondFactorThrottled]),
  },
});

export const page = createRoute({
  method: "get",
  path: "/account/two-factor",
  tags,
  summary: "Two-factor sign-in page",
  request: { cookies: SessionCookie },
  responses: {
    200: htmlContent("On or off, and the forms to change it."),
    303: redirectTo("/account/login", "Not logged in."),
    ...failures([], { html: true }),
  },
});

export const begin = createRoute({
  method: "post",
  path: "/account/two-factor",
  tags,
  summary: "Set up two-factor (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "two-factor"), formOrJsonBody(["password"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(BeginBody) },
  responses: {
    200: htmlContent("The QR code and the key, and the form for the first code."),
    ...html([NotLoggedIn, WrongPassword, LoginThrottled, TwoFactorAlreadyOn]),
  },
});

export const confirm = createRoute({
  method: "post",
  path: "/account/two-factor/confirm",
  tags,
  summary: "Turn two-factor on (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "two-factor"), formOrJsonBody(["code"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(ConfirmBody) },
  responses: {
    200: htmlContent("The recovery codes, shown once."),
    ...html([NotLoggedIn, InvalidCode, TwoFactorAlreadyOn, TwoFactorNotOn]),
  },
});

const withCode = [
  NotLoggedIn,
  WrongPassword,
  LoginThrottled,
  SecondFactorRequired,
  InvalidCode,
  SecondFactorThrottled,
  TwoFactorNotOn,
] as const;

export const disable = createRoute({
  method: "post",
  path: "/account/two-factor/disable",
  tags,
  summary: "Turn two-factor off (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "two-factor"), formOrJsonBody(["password", "code", "recovery_code"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(CodeBody) },
  responses: { 303: redirectTo("/account/two-factor", "Off."), ...html([...withCode]) },
});

export const regenerate = createRoute({
  method: "post",
  path: "/account/two-factor/recovery-codes",
  tags,
  summary: "New recovery codes (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "two-factor"), formOrJsonBody(["password", "code", "recovery_code"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(CodeBody) },
  responses: { 200: htmlContent("The new codes, shown once."), ...html([...withCode]) },
});
