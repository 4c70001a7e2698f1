import { InvalidCredentials, InvalidResetToken, LoginThrottled, NotLoggedIn, UnknownEmail, UserAlreadyExists } from "../auth/errors";
import type { Config } from "../config";
import type { DomainErrorClass } from "./errors";
import { emailField, type FieldSpec, type JsonSchema, newPasswordField, passwordField, tokenField } from "./fields";

/**
 * Every route, described once: the handlers read their fields from here (so validation is these
 * specs) and /openapi.json and /docs are generated from here. A test checks this table against
 * the routes the app really has.
 */
export interface Operation {
  method: "get" | "post" | "put" | "delete";
  path: string;
  summary: string;
  description?: string;
  tag: "API" | "Documentation" | "Pages";
  /** Body fields (form, multipart or JSON). */
  fields?: (config: Config) => FieldSpec;
  /** Optional query parameters (pages only). */
  query?: Record<string, JsonSchema>;
  /** Reads the session_id cookie. */
  session?: boolean;
  /** Counted by a per-IP rate limit. */
  rateLimited?: boolean;
  success: Response;
  /** Domain errors this route answers with (status and message come from http/errors.ts). */
  errors?: DomainErrorClass[];
  /** Other answers (redirects of the pages, for example). */
  others?: Response[];
}

export interface Response {
  status: number;
  description: string;
  json?: JsonSchema;
  html?: boolean;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

const str = (value?: string): JsonSchema => (value === undefined ? { type: "string" } : { type: "string", const: value });
const object = (properties: Record<string, JsonSchema>): JsonSchema => ({
  type: "object",
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});

const sessionCookie = {
  "Set-Cookie": {
    description: "`session_id=<id>; Max-Age=<SESSION_LIFETIME_SECONDS>; Path=/; HttpOnly; SameSite=Lax` (+ `Secure` over https).",
    schema: { type: "string" },
  },
};
const redirect = (status: number, to: string, description: string): Response => ({
  status,
  description,
  headers: { Location: { description: `\`${to}\``, schema: str(to) } },
});
const page = (description: string): Response => ({ status: 200, description, html: true });

const credentials = (config: Config) => ({ email: emailField, password: newPasswordField(config.passwordMinLength) });
const login = () => ({ email: emailField, password: passwordField });
const emailOnly = () => ({ email: emailField });
const newPassword = (config: Config) => ({
  email: emailField,
  reset_token: tokenField,
  new_password: newPasswordField(config.passwordMinLength),
});

export const api = {
  root: {
    method: "get",
    path: "/",
    tag: "API",
    summary: "Welcome",
    success: { status: 200, description: "Always.", json: object({ message: str("Bienvenue") }) },
  },
  register: {
    method: "post",
    path: "/users",
    tag: "API",
    summary: "Register a user",
    fields: credentials,
    rateLimited: true,
    success: { status: 200, description: "The user was created.", json: object({ email: str(), message: str("user created") }) },
    errors: [UserAlreadyExists],
  },
  logIn: {
    method: "post",
    path: "/sessions",
    tag: "API",
    summary: "Log in",
    description: "Starts a session and sets the `session_id` cookie. A new login replaces the user's previous session.",
    fields: login,
    rateLimited: true,
    success: { status: 200, description: "Logged in.", json: object({ email: str(), message: str("logged in") }), headers: sessionCookie },
    errors: [InvalidCredentials, LoginThrottled],
  },
  logOut: {
    method: "delete",
    path: "/sessions",
    tag: "API",
    summary: "Log out",
    session: true,
    success: {
      ...redirect(302, "/", "The session was destroyed; the cookie is cleared."),
      headers: {
        ...redirect(302, "/", "").headers,
        "Set-Cookie": { description: "`session_id=; Max-Age=0; Path=/; ...`", schema: { type: "string" } },
      },
    },
    errors: [NotLoggedIn],
  },
  profile: {
    method: "get",
    path: "/profile",
    tag: "API",
    summary: "The logged-in user's profile",
    session: true,
    success: { status: 200, description: "The session is live.", json: object({ email: str() }) },
    errors: [NotLoggedIn],
  },
  requestReset: {
    method: "post",
    path: "/reset_password",
    tag: "API",
    summary: "Get a password reset token",
    description: "There is no mail sender: the token is in the answer. Asking again replaces the previous token.",
    fields: emailOnly,
    rateLimited: true,
    success: {
      status: 200,
      description: "A token valid for RESET_TOKEN_LIFETIME_SECONDS.",
      json: object({ email: str(), reset_token: str() }),
    },
    errors: [UnknownEmail],
  },
  resetPassword: {
    method: "put",
    path: "/reset_password",
    tag: "API",
    summary: "Set a new password with a reset token",
    description: "Spends the token and ends the user's session.",
    fields: newPassword,
    rateLimited: true,
    success: { status: 200, description: "The password was changed.", json: object({ email: str(), message: str("Password updated") }) },
    errors: [InvalidResetToken],
  },
  openapi: {
    method: "get",
    path: "/openapi.json",
    tag: "Documentation",
    summary: "This OpenAPI 3.1 document",
    success: { status: 200, description: "The document.", json: { type: "object" } },
  },
  docs: {
    method: "get",
    path: "/docs",
    tag: "Documentation",
    summary: "Readable API reference",
    success: page("The reference, generated from this document."),
  },
} as const satisfies Record<string, Operation>;

export const pages = {
  home: {
    method: "get",
    path: "/account",
    tag: "Pages",
    summary: "Account home",
    session: true,
    success: redirect(303, "/account/profile", "Logged in."),
    others: [redirect(303, "/account/login", "Not logged in.")],
  },
  registerForm: { method: "get", path: "/account/register", tag: "Pages", summary: "Registration form", success: page("The form.") },
  register: {
    method: "post",
    path: "/account/register",
    tag: "Pages",
    summary: "Register (form post)",
    fields: credentials,
    rateLimited: true,
    success: redirect(303, "/account/login?registered=1", "Registered; go log in."),
    errors: [UserAlreadyExists],
  },
  loginForm: {
    method: "get",
    path: "/account/login",
    tag: "Pages",
    summary: "Login form",
    query: {
      registered: { type: "string", description: 'Present: show "Account created".' },
      logged_out: { type: "string", description: 'Present: show "You are logged out".' },
    },
    success: page("The form."),
  },
  logIn: {
    method: "post",
    path: "/account/login",
    tag: "Pages",
    summary: "Log in (form post)",
    fields: login,
    rateLimited: true,
    success: {
      ...redirect(303, "/account/profile", "Logged in."),
      headers: { ...redirect(303, "/account/profile", "").headers, ...sessionCookie },
    },
    errors: [InvalidCredentials, LoginThrottled],
  },
  profile: {
    method: "get",
    path: "/account/profile",
    tag: "Pages",
    summary: "Profile page",
    session: true,
    success: page("The user's email and a log-out button."),
    others: [redirect(303, "/account/login", "Not logged in.")],
  },
  logOut: {
    method: "post",
    path: "/account/logout",
    tag: "Pages",
    summary: "Log out (form post)",
    session: true,
    success: redirect(303, "/account/login?logged_out=1", "Logged out (also when the session had already ended)."),
  },
  forgotForm: { method: "get", path: "/account/forgot", tag: "Pages", summary: "Forgot-password form", success: page("The form.") },
  forgot: {
    method: "post",
    path: "/account/forgot",
    tag: "Pages",
    summary: "Get a reset token (form post)",
    fields: emailOnly,
    rateLimited: true,
    success: page("Shows the token, since this service sends no mail, with the form to set a new password filled in."),
    errors: [UnknownEmail],
  },
  resetForm: {
    method: "get",
    path: "/account/reset",
    tag: "Pages",
    summary: "New-password form",
    description: "Tokens never travel in URLs: the token page (POST /account/forgot) carries the form already filled in.",
    success: page("The form."),
  },
  reset: {
    method: "post",
    path: "/account/reset",
    tag: "Pages",
    summary: "Set a new password (form post)",
    fields: newPassword,
    rateLimited: true,
    success: page("Password updated, with a link to log in."),
    errors: [InvalidResetToken],
  },
} as const satisfies Record<string, Operation>;

export const operations: readonly Operation[] = [...Object.values(api), ...Object.values(pages)];
