import { createRoute, z } from "@hono/zod-openapi";
import { InvalidCredentials, LoginThrottled, NotLoggedIn } from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import { clearSessionCookie, failures, formOrJson, jsonContent, redirectTo, setSessionCookie } from "../../http/responses";
import { email, password, SessionCookie } from "../../http/schemas";

const tags = ["API"];

export const LoginBody = z.object({ email: email(), password: password() });

export const logIn = createRoute({
  method: "post",
  path: "/sessions",
  tags,
  summary: "Log in",
  description:
    "Checks the password and starts a session: sets the `session_id` cookie. Each login adds a session (one per device); beyond MAX_SESSIONS_PER_USER the least recently used ends. A client that has logged in before (its `device` cookie) has a login throttle of its own.",
  middleware: [rateLimit("LOGIN_RATE_LIMITER", "login"), formOrJsonBody(["email", "password"])] as const,
  request: { body: formOrJson(LoginBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal("logged in") }), "Logged in.", setSessionCookie),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", InvalidCredentials, LoginThrottled]),
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
