import { drizzle } from "drizzle-orm/d1";
import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import { Auth } from "../auth/auth";
import { type Config, readConfig } from "../config";
import { DB } from "../db/db";

export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables & { config: Config; auth: Auth };
};

/** Builds the request's config and Auth from its own bindings: no DB client outlives a request. */
export const withAuth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const config = readConfig(c.env);
    c.set("config", config);
    c.set("auth", new Auth(new DB(drizzle(c.env.DB)), config.auth));
    await next();
  });
