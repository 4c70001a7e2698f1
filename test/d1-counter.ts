import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type CallOptions, call } from "./helpers";

/**
 * Wraps a D1 binding to count round trips: every run/all/first/raw on a prepared statement is
 * one, and a batch is one however many statements it holds. Also records each statement's SQL
 * and parameters so tests can EXPLAIN what the app really sends.
 */
export interface Counted {
  db: D1Database;
  roundTrips: number;
  statements: { sql: string; params: unknown[] }[];
}

export function countingD1(real: D1Database): Counted {
  const counted: Counted = { db: undefined as unknown as D1Database, roundTrips: 0, statements: [] };
  const originals = new WeakMap<object, D1PreparedStatement>();

  const wrap = (statement: D1PreparedStatement, sql: string, params: unknown[]): D1PreparedStatement => {
    const record = () => {
      counted.roundTrips += 1;
      counted.statements.push({ sql, params });
    };
    const wrapped = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values), sql, values),
      run: () => (record(), statement.run()),
      all: () => (record(), statement.all()),
      first: (column?: string) => (record(), column === undefined ? statement.first() : statement.first(column)),
      raw: (options?: { columnNames?: boolean }) => (record(), statement.raw(options as { columnNames: true })),
    } as unknown as D1PreparedStatement;
    originals.set(wrapped, statement);
    (wrapped as unknown as { sql: string; params: unknown[] }).sql = sql;
    (wrapped as unknown as { sql: string; params: unknown[] }).params = params;
    return wrapped;
  };

  counted.db = {
    prepare: (sql: string) => wrap(real.prepare(sql), sql, []),
    batch: (statements: D1PreparedStatement[]) => {
      counted.roundTrips += 1;
      for (const s of statements) counted.statements.push(s as unknown as { sql: string; params: unknown[] });
      return real.batch(statements.map((s) => originals.get(s) ?? s));
    },
    exec: (sql: string) => {
      counted.roundTrips += 1;
      return real.exec(sql);
    },
    dump: () => real.dump(),
    withSession: () => {
      throw new Error("sessions are not counted");
    },
  } as unknown as D1Database;
  return counted;
}

/** Calls the app with a counting D1 and returns the response's status, the round trips and the statements. */
export async function counted(method: string, path: string, options: CallOptions = {}) {
  const d1 = countingD1(env.DB);
  const response = await call(method, path, { ...options, bindings: { ...options.bindings, DB: d1.db } });
  return { status: response.status, roundTrips: d1.roundTrips, statements: d1.statements, response };
}

const TABLES =
  "users|sessions|login_devices|email_tokens|mail_counts|totp_credentials|recovery_codes|pending_logins|passkeys|webauthn_challenges|oauth_clients|oauth_client_origins|oauth_consents|oauth_codes|oauth_grants|oauth_refresh_tokens|accounts";

/** EXPLAIN QUERY PLAN of each statement: never a scan of a table; returns the indexes seen. */
export async function indexesUsed(statements: { sql: string; params: unknown[] }[]): Promise<Set<string>> {
  const seen = new Set<string>();
  // Plain INSERT ... VALUES reads nothing; INSERT ... SELECT does, and is checked.
  for (const { sql, params } of statements.filter((s) => !/^insert into "\w+" \([^)]*\) values/i.test(s.sql))) {
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const details = plan.results.map((row) => row.detail).join(" | ");
    expect(details, sql).not.toMatch(new RegExp(`\\bSCAN (${TABLES})\\b`));
    expect(details, sql).toMatch(new RegExp(`SEARCH (${TABLES}) USING`));
    for (const match of details.matchAll(/USING (?:COVERING )?INDEX (\w+)/g)) seen.add(match[1]!);
  }
  return seen;
}
