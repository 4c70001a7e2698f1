import { is, Placeholder } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { type RetryOptions, type RetryPolicy, withRetries } from "./resilience";

/** Drizzle over the request's D1 binding, with the binding at hand for prepared statements. */
export type Drizzle = DrizzleD1Database & { $client: D1Database };

/**
 * What every store of one request shares: the client, and one retry budget, so a request that
 * meets D1 failures spends at most one timeout plus the budget whichever stores it uses.
 */
export interface Connection {
  /** The request's D1 binding, for statements whose SQL text is cached (`cached` below). */
  readonly d1: D1Database;
  readonly db: Drizzle;
  retry: RetryOptions;
}

/**
 * A store: the statements and row mapping of one table or aggregate, each method one job in one
 * round trip (one statement, or one atomic batch), because every D1 query from a Worker is a
 * network round trip, and all-or-nothing, so a failure never leaves half a change. Every D1 call
 * goes through `run` with the retry policy its statements allow (resilience.ts).
 */
export abstract class Store {
  constructor(protected readonly connection: Connection) {}

  protected get db(): Drizzle {
    return this.connection.db;
  }

  protected run<T>(method: string, policy: RetryPolicy<T>, attempt: () => Promise<T>): Promise<T> {
    return withRetries(method, policy, attempt, this.connection.retry);
  }
}

/**
 * SQL text built by Drizzle once and kept for the life of the isolate. Only text is cached (no
 * client, no binding): building a query is about a sixth of a GET /profile's CPU time in
 * workerd, and the lookups that use it are the hot path.
 */
const lookups = new Map<string, { sql: string; params: unknown[] }>();

export function cached(key: string, build: () => { sql: string; params: unknown[] }) {
  let query = lookups.get(key);
  if (query === undefined) {
    query = build();
    lookups.set(key, query);
  }
  return query;
}

/** A cached query's parameters with its placeholders filled in from `values`. */
export function bindPlaceholders(params: unknown[], values: Record<string, unknown>): unknown[] {
  return params.map((param) => (is(param, Placeholder) ? values[param.name] : param));
}

/** SQLite's message for a UNIQUE violation; D1 wraps it but keeps the text. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed/i.test(e.message)) return true;
  }
  return false;
}
