import { createRoute, z } from "@hono/zod-openapi";
import { InvalidEmailToken, UserAlreadyExists } from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { rateLimit } from "../../http/rate-limit";
import { failures, formOrJson, jsonContent } from "../../http/responses";
import { email, newPassword, token } from "../../http/schemas";

/** Proving an address: the links mail carries, and asking for a new one. */
const tags = ["Account"];

export const TokenBody = z.object({ token: token("token", "The `token` query parameter of the link in the mail.") });

export const verifyEmail = createRoute({
  method: "post",
  path: "/verify_email",
  tags,
  summary: "Verify my address",
  description: "Spends the token of a verification link (it works once, for 24 hours): the address it was sent to is verified.",
  middleware: [rateLimit("RESET_RATE_LIMITER", "verify"), formOrJsonBody(["token"])] as const,
  request: { body: formOrJson(TokenBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal("email verified") }), "Verified."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", InvalidEmailToken]),
  },
});

export const ResendBody = z.object({ email: email() });

/** The answer to every well-formed address, known or not. */
export const RESEND_MESSAGE = "if this address has an account that is not verified yet, a new verification link is on its way";

export const resendVerification = createRoute({
  method: "post",
  path: "/verify_email/resend",
  tags,
  summary: "Send a new verification link",
  description: "The answer is the same for every well-formed address; only an account that is not verified yet gets mail.",
  middleware: [rateLimit("RESET_RATE_LIMITER", "verify-resend"), formOrJsonBody(["email"])] as const,
  request: { body: formOrJson(ResendBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal(RESEND_MESSAGE) }), "Sent, if there was something to send."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited"]),
  },
});

export const confirmEmail = createRoute({
  method: "post",
  path: "/confirm_email",
  tags,
  summary: "Confirm a new address",
  description:
    "Spends the token of the link sent to a new address (`PUT /profile/email`): the account's address becomes that one, verified, unless someone registered it meanwhile. The old address gets a notice.",
  middleware: [rateLimit("RESET_RATE_LIMITER", "confirm-email"), formOrJsonBody(["token"])] as const,
  request: { body: formOrJson(TokenBody) },
  responses: {
    200: jsonContent(z.object({ email: z.string(), message: z.literal("email changed") }), "Changed; `email` is the new address."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", InvalidEmailToken, UserAlreadyExists]),
  },
});

export const cancelEmailChange = createRoute({
  method: "post",
  path: "/cancel_email_change",
  tags,
  summary: "Cancel a pending address change",
  description:
    "Spends the token of the link mailed to the current address when a change was asked for (`PUT /profile/email`): every pending change of the account ends, and the confirmation link sent to the new address stops working.",
  middleware: [rateLimit("RESET_RATE_LIMITER", "cancel-email"), formOrJsonBody(["token"])] as const,
  request: { body: formOrJson(TokenBody) },
  responses: {
    200: jsonContent(z.object({ message: z.literal("address change cancelled") }), "Cancelled."),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", InvalidEmailToken]),
  },
});

export const RevertBody = z.object({
  token: token("token", "The `token` query parameter of the undo link mailed to the old address."),
  new_password: newPassword("new_password"),
});

export const revertEmailChange = createRoute({
  method: "post",
  path: "/revert_email_change",
  tags,
  summary: "Undo an address change",
  description:
    "Spends the token of the undo link mailed to the old address when a change was confirmed (it works once, for 7 days): the account gets that address back, verified, with `new_password`; every session, remembered client and link of the account ends. Refused when someone registered that address meanwhile.",
  middleware: [rateLimit("RESET_RATE_LIMITER", "revert-email"), formOrJsonBody(["token", "new_password"])] as const,
  request: { body: formOrJson(RevertBody) },
  responses: {
    200: jsonContent(
      z.object({ email: z.string(), message: z.literal("address restored") }),
      "Restored; `email` is the address the account has again.",
    ),
    ...failures(["invalid", "tooLarge", "crossSite", "rateLimited", InvalidEmailToken, UserAlreadyExists]),
  },
});
