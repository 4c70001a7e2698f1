import { createRoute, z } from "@hono/zod-openapi";
import {
  EmailNotVerified,
  InvalidCredentials,
  InvalidEmailToken,
  InvalidResetToken,
  LoginThrottled,
  NoSuchSession,
  NotLoggedIn,
  UnknownEmail,
  UserAlreadyExists,
  WrongPassword,
  TooManyPasswordChanges,
} from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import {
  clearSessionCookie,
  failures,
  formOrJson,
  htmlContent,
  redirectTo,
  renewSessionCookie,
  setSessionCookie,
} from "../../http/responses";
import { queryParam, SessionCookie, token } from "../../http/schemas";
import { LoginBody } from "../sessions/sessions.routes";
import { RequestResetBody, ResetBody } from "../password-reset/password-reset.routes";
import { ResendBody, RevertBody, TokenBody } from "../email/email.routes";
import { ChangeEmailBody, ChangePasswordBody, DeleteAccountBody } from "../profile/profile.routes";
import { RegisterBody } from "../users/users.routes";

/**
 * Server-rendered pages over the same Auth code as the JSON API, with the API's bodies and
 * statuses. Plain HTML forms, so they work without JavaScript; every answer is HTML.
 */
const tags = ["Pages"];
const page = (description: string) => ({ 200: htmlContent(description), ...failures([], { html: true }) });

/** Where to go after logging in (or confirming it is you): a path of this site, else the profile. */
// Up to 2048 characters: an authorization request (OpenID) rides in it whole.
export const nextParam = z
  .string()
  .max(2048)
  .optional()
  .openapi({ description: "A path of this site to go to afterwards (anything else: the profile)." });

export const home = createRoute({
  method: "get",
  path: "/account",
  tags,
  summary: "Account home",
  request: { cookies: SessionCookie },
  responses: {
    303: redirectTo(["/account/profile", "/account/login"], "Logged in: to the profile page; otherwise to the login form."),
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
      registered: queryParam('Present: say "Account created" (and fill in the address just registered).').optional(),
      logged_out: queryParam('Present: say "You are logged out".').optional(),
      next: nextParam,
      login_hint: queryParam("An address to fill in (an app's authorization request passes it on).").optional(),
    }),
  },
  responses: page("The form (and, where passkeys are on, a button to sign in with one)."),
});

export const logIn = createRoute({
  method: "post",
  path: "/account/login",
  tags,
  summary: "Log in (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "login"), formOrJsonBody(["email", "password"])] as const,
  request: { query: z.object({ next: nextParam }), body: formOrJson(LoginBody) },
  responses: {
    303: redirectTo(
      ["/account/profile", "/account/login/two-factor"],
      "Logged in: to `next` (a path of this site) or the profile. Two-factor on: to the code's page, with a `pending_login` cookie.",
      setSessionCookie,
    ),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", InvalidCredentials, LoginThrottled, EmailNotVerified], { html: true }),
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
    200: htmlContent(
      '`response` mode: the token, with the form to set a new password filled in. `email` mode: the same "check your mail" page for every address.',
    ),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", UnknownEmail], { html: true }),
  },
});

export const resetForm = createRoute({
  method: "get",
  path: "/account/reset",
  tags,
  summary: "New-password form",
  description:
    "With `?token=` (the link a reset mail carries): the form with the token hidden in it, sent with `Referrer-Policy: no-referrer`; the token is never logged. Without: the form for a token shown by `POST /account/forgot` in `response` mode.",
  request: { query: z.object({ token: queryParam("From the reset mail's link.").optional() }) },
  responses: page("The form."),
});

/** The pages' reset form: from a mailed link it carries no address (the token is the proof). */
export const PageResetBody = ResetBody.extend({ email: ResetBody.shape.email.optional() });

export const reset = createRoute({
  method: "post",
  path: "/account/reset",
  tags,
  summary: "Set a new password (form post)",
  middleware: [rateLimit("RESET_RATE_LIMITER", "reset-update"), formOrJsonBody(["email", "reset_token", "new_password"])] as const,
  request: { body: formOrJson(PageResetBody) },
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
    query: z.object({ ended: queryParam("Present: say which sessions were just ended.").optional() }),
  },
  responses: {
    200: htmlContent("Every session (device, country, when), a button per session and one to log out everywhere else."),
    303: redirectTo("/account/login", "Not logged in."),
    ...failures([], { html: true }),
  },
});

export const EndSessionForm = z.object({ session: token("session", "A session id from the list.") });

export const endSession = createRoute({
  method: "post",
  path: "/account/sessions/end",
  tags,
  summary: "Log one session out (form post)",
  middleware: [formOrJsonBody(["session"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(EndSessionForm) },
  responses: {
    303: redirectTo(
      ["/account/sessions?ended=one", "/account/login?logged_out=1"],
      "Ended; back to the list (to the login form if it was this one).",
    ),
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
    200: htmlContent("Changed: other devices are logged out, this one has a new session cookie.", renewSessionCookie),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", NotLoggedIn, WrongPassword, LoginThrottled, TooManyPasswordChanges], {
      html: true,
    }),
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
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", NotLoggedIn, WrongPassword, LoginThrottled], { html: true }),
  },
});

// Generic in the path, so each route keeps its literal path in AppType (the typed client).
const linkPage = <P extends string>(path: P, summary: string, description: string) =>
  createRoute({
    method: "get",
    path,
    tags,
    summary,
    description: `${description} Sent with \`Referrer-Policy: no-referrer\`; the token is never logged, and only the button spends it.`,
    request: { query: z.object({ token: queryParam("From the mailed link.") }) },
    responses: page("A page with one button."),
  });

export const verifyPage = linkPage("/account/verify", "Verify-address page", "Where a verification mail's link leads.");
export const confirmEmailPage = linkPage(
  "/account/email/confirm",
  "Confirm-new-address page",
  "Where the link mailed to a new address leads.",
);

/** The rate-limit scope of each link's form post: the API route's that does the same. */
const TOKEN_SCOPES: Record<string, string> = { "/account/verify": "verify", "/account/email/cancel": "cancel-email" };

const tokenPost = <P extends string>(path: P, summary: string, kinds: Parameters<typeof failures>[0]) =>
  createRoute({
    method: "post",
    path,
    tags,
    summary,
    middleware: [rateLimit("RESET_RATE_LIMITER", TOKEN_SCOPES[path] ?? "confirm-email"), formOrJsonBody(["token"])] as const,
    request: { body: formOrJson(TokenBody) },
    responses: {
      200: htmlContent("Done, with where to go next."),
      ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", ...kinds], { html: true }),
    },
  });

export const cancelEmailPage = linkPage(
  "/account/email/cancel",
  "Cancel-address-change page",
  "Where the link in the notice to the current address leads, when a change of address was asked for.",
);

export const verify = tokenPost("/account/verify", "Verify the address (form post)", [InvalidEmailToken]);
export const cancelEmail = tokenPost("/account/email/cancel", "Cancel the address change (form post)", [InvalidEmailToken]);
export const confirmEmail = tokenPost("/account/email/confirm", "Use the new address (form post)", [InvalidEmailToken, UserAlreadyExists]);

export const resendVerification = createRoute({
  method: "post",
  path: "/account/verify/resend",
  tags,
  summary: "Send a new verification link (form post)",
  middleware: [rateLimit("RESET_RATE_LIMITER", "verify-resend"), formOrJsonBody(["email"])] as const,
  request: { body: formOrJson(ResendBody) },
  responses: {
    200: htmlContent('The same "check your mail" page for every address.'),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited"], { html: true }),
  },
});

export const emailForm = createRoute({
  method: "get",
  path: "/account/email",
  tags,
  summary: "Change-address form",
  request: { cookies: SessionCookie },
  responses: { 200: htmlContent("The form."), 303: redirectTo("/account/login", "Not logged in."), ...failures([], { html: true }) },
});

export const changeEmail = createRoute({
  method: "post",
  path: "/account/email",
  tags,
  summary: "Change the address (form post)",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "email-change"), formOrJsonBody(["password", "new_email"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(ChangeEmailBody) },
  responses: {
    200: htmlContent("The link is on its way to the new address."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", NotLoggedIn, WrongPassword, LoginThrottled, UserAlreadyExists], {
      html: true,
    }),
  },
});

export const revertEmailPage = createRoute({
  method: "get",
  path: "/account/email/revert",
  tags,
  summary: "Undo-address-change page",
  description:
    "Where the undo link in the notice to the old address leads: a form for a new password, the token hidden in it. Sent with `Referrer-Policy: no-referrer`; the token is never logged, and only the form spends it.",
  request: { query: z.object({ token: queryParam("From the mailed link.") }) },
  responses: page("The form."),
});

export const revertEmail = createRoute({
  method: "post",
  path: "/account/email/revert",
  tags,
  summary: "Undo the address change (form post)",
  middleware: [rateLimit("RESET_RATE_LIMITER", "revert-email"), formOrJsonBody(["token", "new_password"])] as const,
  request: { body: formOrJson(RevertBody) },
  responses: {
    200: htmlContent("Restored, with a link to log in."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", InvalidEmailToken, UserAlreadyExists], { html: true }),
  },
});
