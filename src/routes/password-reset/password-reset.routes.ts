import { createRoute, z } from "@hono/zod-openapi";
import { InvalidResetToken, UnknownEmail } from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import { failures, formOrJson, jsonContent } from "../../http/responses";
import { email, newPassword, token } from "../../http/schemas";

const tags = ["API"];

export const RequestResetBody = z.object({ email: email() });
export const ResetBody = z.object({
  email: email(),
  reset_token: token("reset_token", "The `reset_token` from `POST /reset_password`; it works once, for RESET_TOKEN_LIFETIME_SECONDS."),
  new_password: newPassword("new_password"),
});

export const requestReset = createRoute({
  method: "post",
  path: "/reset_password",
  tags,
  summary: "Get a password reset token",
  description: "There is no mail sender: the token is in the answer. Asking again replaces the previous token.",
  middleware: [rateLimit("RESET_RATE_LIMITER", "reset-request"), formOrJsonBody(["email"])] as const,
  request: { body: formOrJson(RequestResetBody) },
  responses: {
    200: jsonContent(
      z.object({ email: z.string(), reset_token: z.string() }),
      "A token that works once, for RESET_TOKEN_LIFETIME_SECONDS.",
    ),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", UnknownEmail]),
  },
});

export const resetPassword = createRoute({
  method: "put",
  path: "/reset_password",
  tags,
  summary: "Set a new password with a reset token",
  description: "Spends the token and ends the user's session. The token must belong to `email`.",
  middleware: [rateLimit("RESET_RATE_LIMITER", "reset-update"), formOrJsonBody(["email", "reset_token", "new_password"])] as const,
  request: { body: formOrJson(ResetBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal("Password updated") }), "The password was changed."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", InvalidResetToken]),
  },
});
