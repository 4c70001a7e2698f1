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
