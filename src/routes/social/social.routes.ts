import { createRoute, z } from "@hono/zod-openapi";
import { NotLoggedIn, ReauthenticationRequired } from "../../auth/errors";
import { formOrJsonBody } from "../../http/body";
import { failures, formOrJson, htmlContent, redirectTo } from "../../http/responses";
import { SessionCookie } from "../../http/schemas";

/** Signing in with GitHub, Google or another OpenID provider (pages: a person is looking at them). */
const tags = ["Sign in with a provider"];
const provider = z.object({ provider: z.string().max(32).openapi({ description: "`github`, `google`, or an id from OIDC_PROVIDERS." }) });
const text = (description: string) => z.string().max(4096).optional().openapi({ description });

export const start = createRoute({
  method: "get",
  path: "/auth/{provider}",
  tags,
  summary: "Start signing in with a provider",
  description:
    "To the provider, with state, nonce and PKCE kept in a short-lived HttpOnly cookie (sealed). `intent=link` links the provider to the logged-in user (within the re-authentication window).",
  request: {
    params: provider,
    query: z.object({ intent: z.enum(["sign-in", "link", "reauth"]).optional(), next: z.string().max(2048).optional() }),
    cookies: SessionCookie.partial(),
  },
  responses: {
    302: redirectTo("<the provider's authorization endpoint>", "To the provider."),
    404: htmlContent("No such provider, or it is off (incomplete settings)."),
    502: htmlContent("The provider cannot be reached."),
  },
});

export const callback = createRoute({
  method: "get",
  path: "/auth/{provider}/callback",
  tags,
  summary: "Back from the provider",
  description:
    "Checks state, PKCE and (OpenID) the ID token and nonce. A linked subject signs in (its second factor first, when two-factor is on); an unknown one with a verified address nobody has becomes a new user without a password; an address a user has already signs nobody in (log in the usual way, then link the provider on the profile).",
  request: {
    params: provider,
    query: z.object({
      code: text("From the provider."),
      state: text("As sent."),
      error: text("The provider's refusal."),
      iss: text("RFC 9207."),
    }),
    cookies: SessionCookie.partial(),
  },
  responses: {
    303: redirectTo(["/account/profile", "/account/login/two-factor"], "Signed in (or on to the second factor), or linked."),
    400: htmlContent("The sign-in did not go through: why, and what to do."),
    502: htmlContent("The provider failed or cannot be reached."),
  },
});

export const UnlinkForm = z.object({ provider: z.string().min(1).max(32) });

export const unlink = createRoute({
  method: "post",
  path: "/account/providers/unlink",
  tags,
  summary: "Unlink a provider (form post)",
  description:
    "Not the last way to sign in (a password, a passkey or another provider must remain). Needs a proof within REAUTH_WINDOW_SECONDS.",
  middleware: [formOrJsonBody(["provider"])] as const,
  request: { cookies: SessionCookie, body: formOrJson(UnlinkForm) },
  responses: {
    303: redirectTo(["/account/profile", "/account/reauthenticate"], "Unlinked; or, without a recent proof, to confirm it is you first."),
    400: htmlContent("It is the last way to sign in."),
    ...failures(["invalid", "tooLarge", "crossSite", NotLoggedIn, ReauthenticationRequired], { html: true }),
  },
});
