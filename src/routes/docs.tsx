import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { api } from "../http/contract";
import { buildOpenApi } from "../http/openapi";
import { DocsPage } from "../views/docs";

/** The contract table rendered two ways: OpenAPI 3.1 JSON and a readable page. */
export const docsRoutes = new Hono<AppEnv>()
  .get(api.openapi.path, (c) => c.json(buildOpenApi(c.var.config, new URL(c.req.url).origin)))
  .get(api.docs.path, (c) => c.html(<DocsPage doc={buildOpenApi(c.var.config, new URL(c.req.url).origin)} />));
