import { createRoute, z } from "@hono/zod-openapi";
import {
  InvalidCredentials,
  InvalidResetToken,
  LoginThrottled,
  NoSuchSession,
  NotLoggedIn,
  UnknownEmail,
  UserAlreadyExists,
} from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import { clearSessionCookie, failures, formOrJson, htmlContent, redirectTo, setSessionCookie } from "../../http/responses";
import { SessionCookie } from "../../http/schemas";
import { LoginBody } from "../sessions/sessions.routes";
import { RequestResetBody, ResetBody } from "../password-reset/password-reset.routes";
import { ChangePasswordBody, DeleteAccountBody } from "../profile/profile.routes";
import { RegisterBody } from "../users/users.routes";

/**
 * Server-rendered pages over the same Auth code as the JSON API, with the API's bodies and
 * statuses. Plain HTML forms, so they work without JavaScript; every answer is HTML.
 */
const tags = ["Pages"];
const page = (description: string) => ({ 200: htmlContent(description), ...failures([], { html: true }) });

export const home = createRoute({
  method: "get",
  path: "/account",
  tags,
  summary: "Account home",
  request: { cookies: SessionCookie },
  responses: {
    303: redirectTo("/account/profile", "Logged in: to the profile page; otherwise to `/account/login`."),
    ...failures([], { html: true }),
  },
});

export const registerForm = createRoute({
  method: "get",
  path: "/account/register",
  tags,
  summary: "Registration form",
  responses: page("The form."),
});

export const register = createRoute({
  method: "post",
  path: "/account/register",
  tags,
  summary: "Register (form post)",
  middleware: [rateLimit("REGISTER_RATE_LIMITER", "register"), formOrJsonBody(["email", "password"])] as const,
  request: { body: formOrJson(RegisterBody) },
  responses: {
    303: redirectTo("/account/login?registered=1", "Registered: to the login form, with the address filled in."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", UserAlreadyExists], { html: true }),
  },
});

export const loginForm = createRoute({
  method: "get",
  path: "/account/login",
  tags,
  summary: "Login form",
  request: {
    query: z.object({
      registered: z
        .string()
        .optional()
        .openapi({ description: 'Present: say "Account created" (and fill in the address just registered).' }),
      logged_out: z.string().optional().openapi({ description: 'Present: say "You are logged out".' }),
    }),
  },
  responses: page("The form."),
});

export const logIn = createRoute({
  method: "post",
  path: "/account/login",
  tags,
  summary: "Log in (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "login"), formOrJsonBody(["email", "password"])] as const,
  request: { body: formOrJson(LoginBody) },
  responses: {
    303: redirectTo("/account/profile", "Logged in.", setSessionCookie),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", InvalidCredentials, LoginThrottled], { html: true }),
  },
});

export const profile = createRoute({
  method: "get",
  path: "/account/profile",
  tags,
  summary: "Profile page",
  request: { cookies: SessionCookie },
  responses: {
    200: htmlContent("The user's email and a log-out button."),
    303: redirectTo("/account/login", "Not logged in."),
    ...failures([], { html: true }),
  },
});

export const logOut = createRoute({
  method: "post",
  path: "/account/logout",
  tags,
  summary: "Log out (form post)",
  request: { cookies: SessionCookie },
  responses: {
    303: redirectTo("/account/login?logged_out=1", "Logged out (also when the session had already ended)."),
    ...failures(["tooLarge", "crossSite"], { html: true }),
  },
});

export const forgotForm = createRoute({
  method: "get",
  path: "/account/forgot",
  tags,
  summary: "Forgot-password form",
  responses: page("The form."),
});

export const forgot = createRoute({
  method: "post",
  path: "/account/forgot",
  tags,
  summary: "Get a reset token (form post)",
  middleware: [rateLimit("RESET_RATE_LIMITER", "reset-request"), formOrJsonBody(["email"])] as const,
  request: { body: formOrJson(RequestResetBody) },
  responses: {
    200: htmlContent("Shows the token (this service sends no mail) with the form to set a new password, already filled in."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", UnknownEmail], { html: true }),
  },
});

export const resetForm = createRoute({
  method: "get",
  path: "/account/reset",
  tags,
  summary: "New-password form",
  description: "Tokens never travel in URLs: the token page (`POST /account/forgot`) carries the form already filled in.",
  responses: page("The form."),
});

export const reset = createRoute({
  method: "post",
  path: "/account/reset",
  tags,
  summary: "Set a new password (form post)",
  middleware: [rateLimit("RESET_RATE_LIMITER", "reset-update"), formOrJsonBody(["email", "reset_token", "new_password"])] as const,
  request: { body: formOrJson(ResetBody) },
  responses: {
    200: htmlContent("Password updated, with a link to log in."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", InvalidResetToken], { html: true }),
  },
});

export const sessionsPage = createRoute({
  method: "get",
  path: "/account/sessions",
  tags,
  summary: "Where you are logged in",
  request: {
    cookies: SessionCookie,
    query: z.object({ ended: z.string().optional().openapi({ description: "Present: say which sessions were just ended." }) }),
  },
  responses: {
    200: htmlContent("Every session (device, country, when), a button per session and one to log out everywhere else."),
    303: redirectTo("/account/login", "Not logged in."),
    ...failures([], { html: true }),
  },
});

export const EndSessionForm = z.object({ session: z.string().max(64).openapi({ description: "A session id from the list." }) });

export const endSession = createRoute({
  method: "post",
  path: "/account/sessions/end",
  tags,
  summary: "Log one session out (form post)",
  middleware: [formOrJsonBody(["session"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(EndSessionForm) },
  responses: {
    303: redirectTo("/account/sessions?ended=one", "Ended; back to the list (to the login form if it was this one)."),
    ...failures(["invalid", "tooLarge", "crossSite", NotLoggedIn, NoSuchSession], { html: true }),
  },
});

export const endOtherSessions = createRoute({
  method: "post",
  path: "/account/sessions/end-others",
  tags,
  summary: "Log out everywhere else (form post)",
  request: { cookies: SessionCookie },
  responses: {
    303: redirectTo("/account/sessions?ended=others", "Ended; back to the list."),
    ...failures(["tooLarge", "crossSite", NotLoggedIn], { html: true }),
  },
});

export const passwordForm = createRoute({
  method: "get",
  path: "/account/password",
  tags,
  summary: "Change-password form",
  request: { cookies: SessionCookie },
  responses: {
    200: htmlContent("The form."),
    303: redirectTo("/account/login", "Not logged in."),
    ...failures([], { html: true }),
  },
});

export const changePassword = createRoute({
  method: "post",
  path: "/account/password",
  tags,
  summary: "Change the password (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "password-change"), formOrJsonBody(["current_password", "new_password"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(ChangePasswordBody) },
  responses: {
    200: htmlContent("Changed: other devices are logged out, this one has a new session cookie.", setSessionCookie),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", NotLoggedIn, InvalidCredentials, LoginThrottled], { html: true }),
  },
});

export const deleteForm = createRoute({
  method: "get",
  path: "/account/delete",
  tags,
  summary: "Delete-account form",
  description: "Says what will be deleted and asks for the password.",
  request: { cookies: SessionCookie },
  responses: {
    200: htmlContent("The form."),
    303: redirectTo("/account/login", "Not logged in."),
    ...failures([], { html: true }),
  },
});

export const deleteAccount = createRoute({
  method: "post",
  path: "/account/delete",
  tags,
  summary: "Delete the account (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "account-delete"), formOrJsonBody(["password"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(DeleteAccountBody) },
  responses: {
    200: htmlContent("Deleted; the cookie is cleared.", clearSessionCookie),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", NotLoggedIn, InvalidCredentials, LoginThrottled], { html: true }),
  },
});
