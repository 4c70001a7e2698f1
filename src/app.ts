import type { Hono, Schema } from "hono";
import { createApp } from "./http/create-app";
import { configureOpenApi } from "./http/openapi";
import { account } from "./routes/account/account.index";
import { docs } from "./routes/docs/docs.index";
import { emailRoutes } from "./routes/email/email.index";
import { passwordReset } from "./routes/password-reset/password-reset.index";
import { profile } from "./routes/profile/profile.index";
import { root } from "./routes/root/root.index";
import { oauth } from "./routes/oauth/oauth.index";
import { passkeys } from "./routes/passkeys/passkeys.index";
import { sessions } from "./routes/sessions/sessions.index";
import { social } from "./routes/social/social.index";
import { twoFactor } from "./routes/two-factor/two-factor.index";
import { users } from "./routes/users/users.index";

/** The Hono app with every route mounted (src/index.ts is the Worker around it). */
const app = createApp();

// Chained, so that AppType carries every route's inputs and outputs for hono/client.
const routes = app
  .route("/", root)
  .route("/", users)
  .route("/", sessions)
  .route("/", passwordReset)
  .route("/", profile)
  .route("/", twoFactor)
  .route("/", passkeys)
  .route("/", oauth)
  .route("/", social)
  .route("/", emailRoutes)
  .route("/", account)
  .route("/", docs);
configureOpenApi(app);

/**
 * A body route declares the same fields for form, multipart and JSON, which @hono/zod-openapi
 * types as a request carrying both `form` and `json`. The typed client sends JSON.
 */
type JsonBody<Endpoint> = Endpoint extends { input: infer I } ? Omit<Endpoint, "input"> & { input: Omit<I, "form"> } : Endpoint;
type JsonBodies<S> = { [Path in keyof S]: { [Method in keyof S[Path]]: JsonBody<S[Path][Method]> } };

/** The API's type for a typed client: `hc<AppType>(baseUrl)` from `hono/client` (see examples/client.ts). */
export type AppType =
  typeof routes extends Hono<infer E, infer S, infer B> ? (JsonBodies<S> extends infer T extends Schema ? Hono<E, T, B> : never) : never;

export { app };
