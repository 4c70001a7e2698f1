import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { MAX_BODY_BYTES } from "./http/body";
import { type AppEnv, withAuth } from "./http/context";
import { corsForAllowedOrigins } from "./http/cors";
import { csrfGuard } from "./http/csrf";
import { errorBody, notFound, onError } from "./http/errors";
import { requestLog } from "./http/request-log";
import { accountPages, isPage, pageFailure, pageMethodNotAllowed, pageNotFound } from "./routes/account";
import { docsRoutes } from "./routes/docs";
import { passwordResetRoutes } from "./routes/password-reset";
import { rootRoutes } from "./routes/root";
import { sessionsRoutes } from "./routes/sessions";
import { usersRoutes } from "./routes/users";

const app = new Hono<AppEnv>();

// Our own id for every request, never one a client chose: it is what logs and reports key on.
app.use(requestId({ headerName: "" }));
app.use(requestLog());
// "same-origin", not the default "no-referrer": with no-referrer browsers send `Origin: null`
// on same-origin form posts, which the CSRF guard must refuse. Other sites still get no referrer
// (so a reset token in a page URL never leaks).
app.use(
  secureHeaders({
    referrerPolicy: "same-origin",
    // The pages use inline CSS and plain forms, nothing else: no scripts, no other origins.
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: ["'unsafe-inline'"],
      imgSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  }),
);
app.use(async (c, next) => {
  await next();
  c.header("X-Request-Id", c.get("requestId"));
  // Answers carry session cookies, reset tokens and account pages: no cache may keep them.
  c.header("Cache-Control", "no-store");
});
// Settings first: a value the service cannot run with answers 503 everywhere, GET / included.
app.use(withAuth());
app.use(corsForAllowedOrigins());
app.use(
  methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) =>
      isPage(c) ? pageMethodNotAllowed(c, methods) : c.json(errorBody("method not allowed"), 405, { Allow: methods.join(", ") }),
  }),
);
app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json(errorBody(`body larger than ${MAX_BODY_BYTES} bytes`), 413) }));
app.use(csrfGuard());

app.route("/", rootRoutes);
app.route("/", usersRoutes);
app.route("/", sessionsRoutes);
app.route("/", passwordResetRoutes);
app.route("/", docsRoutes);
app.route("/", accountPages);

// Under /account a person is reading: failures there are pages, everywhere else JSON.
app.notFound((c) => (isPage(c) ? pageNotFound(c) : notFound(c)));
app.onError((error, c) => (isPage(c) ? pageFailure(error, c) : onError(error, c)));

export default app;
