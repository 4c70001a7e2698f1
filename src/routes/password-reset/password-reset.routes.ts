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
  summary: "Ask for a password reset",
  description:
    "With `RESET_TOKEN_DELIVERY=response` (the seed's contract, for trusted callers only) the token is in the answer, and an unknown address is a 403. With `email` (production's default) the answer is the same for every well-formed address and only the owner's mailbox gets a link (to `/account/reset?token=...`). Asking again replaces the previous token.",
  middleware: [rateLimit("RESET_RATE_LIMITER", "reset-request"), formOrJsonBody(["email"])] as const,
  request: { body: formOrJson(RequestResetBody) },
  responses: {
    200: jsonContent(
      z.object({
        email: z.string(),
        reset_token: z.string().optional().openapi({ description: "`response` mode: works once, for RESET_TOKEN_LIFETIME_SECONDS." }),
        message: z.string().optional().openapi({ description: "`email` mode: what happens next (the same for every address)." }),
      }),
      "`response` mode: `{email, reset_token}`. `email` mode: `{email, message}`.",
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
