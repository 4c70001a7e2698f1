import { Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { type AppEnv, withAuth } from "./http/context";
import { errorBody, notFound, onError } from "./http/errors";
import { passwordResetRoutes } from "./routes/password-reset";
import { sessionsRoutes } from "./routes/sessions";
import { usersRoutes } from "./routes/users";

const app = new Hono<AppEnv>();

app.use(requestId());
app.use(methodNotAllowed({ app, onMethodNotAllowed: (c, methods) => c.json(errorBody("method not allowed"), 405, { Allow: methods.join(", ") }) }));
app.use(withAuth());

app.get("/", (c) => c.json({ message: "Bienvenue" }));
app.route("/", usersRoutes);
app.route("/", sessionsRoutes);
app.route("/", passwordResetRoutes);

app.notFound(notFound);
app.onError(onError);

export default app;
