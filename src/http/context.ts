import { drizzle } from "drizzle-orm/d1";
import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import { Auth } from "../auth/auth";
import { type Config, ConfigError, readConfig } from "../config";
import { DB } from "../db/db";
import { logLine } from "../log";
import { ServiceUnavailable } from "./errors";

export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables & { config: Config; auth: Auth };
};

/**
 * Builds the request's config and Auth from its own bindings: no DB client outlives a request.
 * A setting the service cannot run with is answered 503 (clients learn nothing of it) and logged
 * as one line naming the variable; the scripts refuse to start on the same check.
 */
export const withAuth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    let config: Config;
    try {
      config = readConfig(c.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      logLine("error", { requestId: c.get("requestId"), error: "ConfigError", variable: error.variable, allowed: error.allowed });
      throw new ServiceUnavailable("misconfigured");
    }
    c.set("config", config);
    c.set("auth", new Auth(new DB(drizzle(c.env.DB)), config.auth));
    await next();
  });
