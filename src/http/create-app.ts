import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { isPage, pageFailure, pageMethodNotAllowed, pageNotFound } from "./pages";
import { withAuth } from "./context";
import { corsForAllowedOrigins } from "./cors";
import { csrfGuard } from "./csrf";
import { authorizeFormTargets, isClientEndpoint, oauthCors, oauthFailure } from "./oauth";
import { errorBody, notFound, onError } from "./errors";
import { requestLog } from "./request-log";
import { MAX_BODY_BYTES } from "./responses";
import { type AppOpenAPI, createRouter } from "./router";

/** Headers every answer carries; only the CSP differs between the reference page and the rest. */
const securityHeaders = (scripts: boolean, referrerPolicy = "same-origin") =>
  secureHeaders({
    // "same-origin", not the default "no-referrer": other sites get no referrer, and a page's
    // own form posts carry its Origin, which the CSRF guard checks. A page opened from a mailed
    // link (its token in the query string) sends none at all.
    referrerPolicy,
    contentSecurityPolicy: scripts
      ? // /docs runs Swagger UI from this Worker's own static assets: scripts from 'self' only.
        {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        }
      : // Everything else is JSON or plain pages: inline CSS and forms, no scripts, no other origins.
        {
          defaultSrc: ["'none'"],
          styleSrc: ["'unsafe-inline'"],
          imgSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
  });
const pageHeaders = securityHeaders(false);
const tokenPageHeaders = securityHeaders(false, "no-referrer");
const docsHeaders = securityHeaders(true);
/**
 * The pages that use passkeys run one script, the site's own /passkeys.js (WebAuthn needs
 * JavaScript): scripts and fetches from 'self' there, and only there.
 */
const passkeyPageHeaders = secureHeaders({
  referrerPolicy: "same-origin",
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    connectSrc: ["'self'"],
    styleSrc: ["'unsafe-inline'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
});
export const PASSKEY_PAGES = new Set(["/account/login", "/account/passkeys", "/account/reauthenticate"]);

/**
 * The app every route is mounted on: request id and log, security headers, settings (503 when
 * one is refused), CORS, 405/413, the CSRF guard, and the one error mapping: JSON for the API,
 * pages under /account.
 */
export function createApp(): AppOpenAPI {
  const app = createRouter();
  // Our own id for every request, never one a client chose: it is what logs and reports key on.
  app.use(requestId({ headerName: "" }));
  app.use(requestLog());
  // Chromium applies form-action to the redirects that follow a form post: a page whose form ends
  // at an app's redirect URI (consent, a login for an authorization request) allows that origin.
  app.use(async (c, next) => {
    await next();
    const targets = c.get("formTargets");
    const csp = c.res.headers.get("Content-Security-Policy");
    if (targets?.length && csp)
      c.header("Content-Security-Policy", csp.replace("form-action 'self'", `form-action 'self' ${targets.join(" ")}`));
  });
  app.use((c, next) => {
    if (c.req.path === "/docs") return docsHeaders(c, next);
    if (PASSKEY_PAGES.has(c.req.path)) return passkeyPageHeaders(c, next);
    // A link from a mail: its token must not leave in a Referer (to an image, a link followed...).
    if (c.req.method === "GET" && c.req.query("token") !== undefined) return tokenPageHeaders(c, next);
    return pageHeaders(c, next);
  });
  app.use(async (c, next) => {
    await next();
    c.header("X-Request-Id", c.get("requestId"));
    // Answers carry session cookies, reset tokens and account pages: no cache may keep them.
    c.header("Cache-Control", "no-store");
  });
  // Settings first: a value the service cannot run with answers 503 everywhere, GET / included.
  app.use(withAuth());
  app.use(oauthCors());
  app.use(authorizeFormTargets());
  app.use(corsForAllowedOrigins());
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        isPage(c) ? pageMethodNotAllowed(c, methods) : c.json(errorBody("method not allowed"), 405, { Allow: methods.join(", ") }),
    }),
  );
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new HTTPException(413, { message: `body larger than ${MAX_BODY_BYTES} bytes` });
      },
    }),
  );
  app.use(csrfGuard());
  // Under /account a person is reading: failures there are pages, everywhere else JSON.
  app.notFound((c) => (isPage(c) ? pageNotFound(c) : notFound(c)));
  app.onError((error, c) => (isClientEndpoint(c) ? oauthFailure(error, c) : isPage(c) ? pageFailure(error, c) : onError(error, c)));
  return app;
}
