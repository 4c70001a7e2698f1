import { createRoute, z } from "@hono/zod-openapi";
import { NotLoggedIn, UserAlreadyExists } from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import { failures, formOrJson, jsonContent } from "../../http/responses";
import { email, newPassword, SessionCookie } from "../../http/schemas";

const tags = ["API"];

export const RegisterBody = z.object({ email: email("email", { plain: true }), password: newPassword() });

export const register = createRoute({
  method: "post",
  path: "/users",
  tags,
  summary: "Register a user",
  middleware: [rateLimit("REGISTER_RATE_LIMITER", "register"), formOrJsonBody(["email", "password"])] as const,
  request: { body: formOrJson(RegisterBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal("user created") }), "The user was created."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", UserAlreadyExists]),
  },
});

export const profile = createRoute({
  method: "get",
  path: "/profile",
  tags,
  summary: "The logged-in user's profile",
  security: [{ sessionCookie: [] }],
  request: { cookies: SessionCookie },
  responses: {
    200: jsonContent(z.object({ email: z.string() }), "The session is live."),
    ...failures([NotLoggedIn]),
  },
});
