import type { ErrorHandler } from "hono";
import type { AppEnv } from "./context";
import { isPage, pageFailure, pageNotFound } from "./pages";
import { requestGuards } from "./guards";
import { isClientEndpoint, oauthFailure } from "./oauth";
import { notFound, onError } from "./errors";
import { requestEdge } from "./request-log";
import { type AppOpenAPI, createRouter } from "./router";

/** The one error mapping: OAuth's `{"error"}` for client endpoints, pages under /account, JSON elsewhere. */
const answerError: ErrorHandler<AppEnv> = (error, c) =>
  isClientEndpoint(c) ? oauthFailure(error, c) : isPage(c) ? pageFailure(error, c) : onError(error, c);

/**
 * The app every route is mounted on: request id and log, security headers, settings (503 when
 * one is refused), CORS, 405/413, the CSRF guard, and the one error mapping: JSON for the API,
 * pages under /account.
 */
export function createApp(): AppOpenAPI {
  const app = createRouter();
  // Two layers in front of every route, each of which does several jobs (what each job costs is
  // in their comments): request id, headers and log line outside; settings, CORS, 413, CSRF and
  // 405 inside.
  app.use(requestEdge());
  app.use(requestGuards(app, answerError));
  // Under /account a person is reading: failures there are pages, everywhere else JSON.
  app.notFound((c) => (isPage(c) ? pageNotFound(c) : notFound(c)));
  app.onError(answerError);
  return app;
}
