import { drizzle } from "drizzle-orm/d1";
import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import { Auth } from "../auth/auth";
import { readConfig } from "../config";
import { DB } from "../db/db";

export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables & { auth: Auth };
};

/** Builds the request's Auth from its own bindings: no DB client outlives a request. */
export const withAuth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set("auth", new Auth(new DB(drizzle(c.env.DB)), readConfig(c.env)));
    await next();
  });
