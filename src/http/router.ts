import { OpenAPIHono, type RouteConfig, type RouteHandler, z } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
import { FieldError, type FieldProblem } from "./errors";

/**
 * The first problem zod found, as the contract says it: a 400 `{"message"}` naming the field,
 * never a 422 or zod's own dump. The problem's kind (and bound) travel with it for the pages.
 */
export function fieldErrorOf(error: z.ZodError, target?: string, data?: unknown): FieldError {
  const issue = error.issues[0]!;
  const field = String(issue.path[0] ?? "body");
  const params = (issue as { params?: { problem?: FieldProblem; limit?: number } }).params;
  let problem: FieldProblem = params?.problem ?? "not a string";
  let limit = params?.limit;
  if (issue.code === "invalid_type") {
    // Zod's issues do not keep the input; the hook has it.
    const input = typeof data === "object" && data !== null ? (data as Record<string, unknown>)[field] : undefined;
    if (input === undefined || input === null) problem = "required";
    // A form field given twice arrives as an array; in JSON an array is just not a string.
    else if (Array.isArray(input) && target !== "json") problem = "repeated";
    else return new FieldError(field, "not a string", `${field} must be a string`);
  } else if (issue.code === "too_small") {
    problem = Number(issue.minimum) <= 1 ? "required" : "too short";
    limit = Number(issue.minimum);
  } else if (issue.code === "too_big") {
    problem = "too long";
    limit = Number(issue.maximum);
  }
  return new FieldError(field, problem, issue.message, limit);
}

/**
 * Every area's router. Its default hook turns any validation failure into a FieldError, which
 * the one error handler answers (JSON for the API, the form again for the pages).
 */
export function createRouter() {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      // @hono/zod-validator passes the input as `data` on failures too; the type only declares it on success.
      if (!result.success) throw fieldErrorOf(result.error, result.target, (result as { data?: unknown }).data);
    },
  });
  const openapi = router.openapi;
  router.openapi = ((route: RouteConfig, handler: never, hook?: never) => {
    const cookies = route.request?.cookies;
    if (!cookies || !acceptsAnyCookies(cookies)) return openapi(route as never, handler, hook);
    // Documented as declared (openapi.json, the typed client); routed without the cookie validator.
    const { middleware: _middleware, hide, ...documented } = route;
    if (!hide) router.openAPIRegistry.registerPath(documented);
    const { cookies: _cookies, ...request } = route.request!;
    return openapi({ ...route, request, hide: true } as never, handler, hook);
  }) as typeof openapi;
  return router;
}

/**
 * Whether a route's cookie schema can refuse nothing: an object whose every field is an optional
 * plain string. Such a schema documents the route (the session cookie in openapi.json and in the
 * typed client's input) but, run as zod-openapi's validator on each request, it parses every
 * cookie and then runs an async zod parse that always succeeds: 15% of GET /profile's time in
 * the isolate (#23). A cookie schema with any other field (required, bounded) is validated.
 */
export function acceptsAnyCookies(schema: z.ZodType): boolean {
  // By zod's own definition types: the Worker's zod (build/zod.js) exports few schema classes.
  // A refinement anywhere (`.refine`, `.strict()`'s catchall) can refuse, so it is validated.
  type Def = { type: string; checks?: unknown[]; shape?: Record<string, z.ZodType>; catchall?: unknown; innerType?: z.ZodType };
  const plain = (def: Def) => !def.checks?.length;
  const def = schema._zod.def as Def;
  if (def.type !== "object" || !def.shape || !plain(def) || def.catchall !== undefined) return false;
  return Object.values(def.shape).every((field) => {
    let inner = field._zod.def as Def;
    if (inner.type !== "optional") return false;
    while (inner.type === "optional" && inner.innerType && plain(inner)) inner = inner.innerType._zod.def as Def;
    return inner.type === "string" && plain(inner);
  });
}

export type AppOpenAPI = ReturnType<typeof createRouter>;

/** A handler typed by its route's declaration (inputs from the schemas, outputs checked). */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
