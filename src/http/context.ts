import type { RequestIdVariables } from "hono/request-id";
import type { Context } from "hono";
import { Auth, type ClientInfo, type CurrentSession } from "../auth/auth";
import { NotLoggedIn } from "../auth/errors";
import { type Config, ConfigError, readConfig } from "../config";
import { DB } from "../db/db";
import { d1Binding, FaultLayerMissing } from "../db/binding";
import { logLine } from "../log";
import type { Notify } from "../auth/events";
import { outbox } from "../mail/outbox";
import { transportFor } from "../mail/transports";
import { readSessionCookie } from "./cookie";
import { ServiceUnavailable } from "./errors";

export type AppEnv = {
  Bindings: Env;
  /** sessionEmail: the logged-in user's address, once requireSession found it (the pages' error forms show it). */
  Variables: RequestIdVariables & {
    config: Config;
    auth: Auth;
    sessionEmail?: string;
    /** Origins a page's forms may end up at (an OAuth client's redirect URI): added to its CSP's form-action. */
    formTargets?: string[];
  };
};

/**
 * The settings parsed once per bindings object (the runtime hands every request of an isolate the
 * same `env`; a test that overrides vars passes another): values only, no client. A refusal is
 * kept too, so every request is answered 503 as before.
 */
const parsed = new WeakMap<object, Config | ConfigError>();
function configOf(env: object): Config {
  let config = parsed.get(env);
  if (config === undefined) {
    try {
      config = readConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      config = error;
    }
    parsed.set(env, config);
  }
  if (config instanceof ConfigError) throw config;
  return config;
}

/**
 * Builds the request's config and Auth from its own bindings: no DB client outlives a request.
 * A setting the service cannot run with is answered 503 (clients learn nothing of it) and logged
 * as one line naming the variable; the scripts refuse to start on the same check. Called first
 * by the request guards (guards.ts), so GET / is refused too.
 */
export function loadAuth(c: Context<AppEnv>): void {
  let config: Config;
  let d1: D1Database;
  try {
    config = configOf(c.env);
    d1 = d1Binding(c.env.DB, config.d1);
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof FaultLayerMissing)) throw error;
    logLine("error", { requestId: c.get("requestId"), error: "ConfigError", variable: error.variable, allowed: error.allowed });
    throw new ServiceUnavailable("misconfigured");
  }
  c.set("config", config);
  warnIncompleteProviders(config, c.get("requestId"));
  // Mail goes out after the answer: nothing about it can change the status or the timing.
  const waitUntil = (promise: Promise<unknown>) => {
    try {
      c.executionCtx.waitUntil(promise);
    } catch {
      void promise; // no execution context (a bare app.request in a test): let it run
    }
  };
  // Made when a flow first sends something: most requests send nothing.
  let send: Notify | undefined;
  const notify: Notify = (event) => (send ??= outbox(transportFor(config.mail, c.env), config.mail, waitUntil, c.get("requestId")))(event);
  const db = new DB(d1, { requestId: c.get("requestId"), timeoutMs: config.d1.timeoutMs });
  c.set("auth", new Auth(db, { ...config.auth, notify, requestId: c.get("requestId") }));
}

// Said once per isolate: a provider whose settings are incomplete is off, the rest serves.
let providersWarned = false;
function warnIncompleteProviders(config: Config, requestId: string) {
  if (providersWarned || config.signIn.problems.length === 0) return;
  providersWarned = true;
  for (const { variable } of config.signIn.problems)
    logLine("warn", { requestId, provider: "off", variable, reason: "incomplete settings" });
}

/** What a session list shows of the client: its User-Agent (as a short label) and country. */
export function clientInfo(c: Context<AppEnv>): ClientInfo {
  return { userAgent: c.req.header("user-agent"), country: (c.req.raw.cf as { country?: unknown } | undefined)?.country };
}

/** The live session of the request's cookie, or NotLoggedIn (403 on the API). */
export async function requireSession(c: Context<AppEnv>): Promise<CurrentSession> {
  const current = await c.var.auth.getSession(readSessionCookie(c));
  if (!current) throw new NotLoggedIn("no live session");
  c.set("sessionEmail", current.user.email);
  return current;
}
