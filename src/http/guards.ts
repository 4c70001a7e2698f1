import type { Context, ErrorHandler, MiddlewareHandler, Next } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { type AppEnv, loadAuth } from "./context";
import { corsForAllowedOrigins } from "./cors";
import { csrfGuard } from "./csrf";
import { errorBody } from "./errors";
import { authorizeFormTargets, LOGIN_PAGES, oauthCors } from "./oauth";
import { isPage, pageMethodNotAllowed } from "./pages";
import { MAX_BODY_BYTES } from "./responses";
import type { AppOpenAPI } from "./router";

/**
 * Every check a request passes before its route, in one middleware layer: the settings (503 when
 * one is refused) and the request's Auth, CORS for the OAuth client endpoints and for
 * ALLOWED_ORIGINS, the form targets of a login page for an authorization request, 413 for a body
 * too large, the CSRF guard, and 405 for a known path with another method. Each is the same
 * middleware as before; this layer runs one only when the request can concern it (CORS when it
 * has an Origin, the body limit when it has a body...), since every Hono layer a request goes
 * through costs it time whether or not the layer has anything to do.
 */
export function requestGuards(app: AppOpenAPI, answerError: ErrorHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  const clientCors = oauthCors();
  const originCors = corsForAllowedOrigins();
  const formTargets = authorizeFormTargets();
  const csrf = csrfGuard();
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new HTTPException(413, { message: `body larger than ${MAX_BODY_BYTES} bytes` });
    },
  });
  const notAllowed = methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) =>
      isPage(c) ? pageMethodNotAllowed(c, methods) : c.json(errorBody("method not allowed"), 405, { Allow: methods.join(", ") }),
  });
  const nothing = async () => {};

  /** Runs one of the middlewares: a Response it answers with itself (a CORS preflight) becomes the answer, as in Hono's compose. */
  const run = async (c: Context<AppEnv>, middleware: MiddlewareHandler<AppEnv>, next: Next) => {
    const answered = await middleware(c, next);
    if (answered instanceof Response && !c.finalized) c.res = answered;
  };
  /** The checks inside CORS; a failure is answered here, as in its own layer before, so CORS still adds its headers. */
  const inner = async (c: Context<AppEnv>, next: Next) => {
    // A GET without a body, not a login page: none of these checks concerns it.
    if (c.req.method === "GET" && !c.req.raw.body && !LOGIN_PAGES.has(c.req.path)) return next();
    try {
      const checked = () => (c.req.raw.body ? run(c, limit, () => run(c, csrf, next)) : run(c, csrf, next));
      await (LOGIN_PAGES.has(c.req.path) ? run(c, formTargets, checked) : checked());
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      c.error = error;
      c.res = await answerError(error, c);
    }
  };

  return async (c, next) => {
    loadAuth(c);
    if (c.req.header("origin") !== undefined) await run(c, clientCors, () => run(c, originCors, () => inner(c, next)));
    else await inner(c, next);
    // A 404 of a path that exists with another method becomes a 405 with Allow.
    if (c.res.status === 404 && !c.error) await notAllowed(c, nothing);
  };
}
