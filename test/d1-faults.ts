/**
 * Wraps a D1 binding so every call, when D1 has answered, appends `${tag}: ${first words of its
 * SQL}` to `log`. One local D1 runs statements one at a time in the order they arrive, so the
 * log's order across several wrapped requests is the order the database ran them in.
 */
export function sequencedD1(real: D1Database, tag: string, log: string[]): D1Database {
  const originals = new WeakMap<object, D1PreparedStatement>();
  const note = (sql: string) => log.push(`${tag}: ${sql.split(/\s+/).slice(0, 3).join(" ")}`);
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const after =
      <T>(run: () => Promise<T>) =>
      async () => {
        const result = await run();
        note(sql);
        return result;
      };
    const wrapped = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values), sql),
      run: after(() => statement.run()),
      all: after(() => statement.all()),
      first: (column?: string) => after(() => (column === undefined ? statement.first() : statement.first(column)))(),
      raw: (options?: { columnNames?: boolean }) => after(() => statement.raw(options as { columnNames: true }))(),
    } as unknown as D1PreparedStatement;
    originals.set(wrapped, statement);
    (wrapped as unknown as { sql: string }).sql = sql;
    return wrapped;
  };
  return {
    prepare: (sql: string) => wrap(real.prepare(sql), sql),
    batch: async (statements: D1PreparedStatement[]) => {
      const result = await real.batch(statements.map((s) => originals.get(s) ?? s));
      note(`batch ${statements.map((s) => (s as unknown as { sql?: string }).sql?.split(/\s+/).slice(0, 3).join(" ")).join(" + ")}`);
      return result;
    },
    exec: (sql: string) => real.exec(sql),
    dump: () => real.dump(),
    withSession: () => {
      throw new Error("not wrapped");
    },
  } as unknown as D1Database;
}

/**
 * A D1 binding whose first batch that `holds` (given the batch's statements' SQL) waits until
 * `open()` is called; `reached` resolves when it starts waiting. For races that need one request
 * to stop between its checks and its write while another runs.
 */
export function gatedD1(real: D1Database, holds: (sql: string[]) => boolean) {
  const sqlOf = new WeakMap<object, string>();
  const originals = new WeakMap<object, D1PreparedStatement>();
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let reached!: () => void;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  let used = false;
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values), sql),
      run: () => statement.run(),
      all: () => statement.all(),
      first: (column?: string) => (column === undefined ? statement.first() : statement.first(column)),
      raw: (options?: { columnNames?: boolean }) => statement.raw(options as { columnNames: true }),
    } as unknown as D1PreparedStatement;
    sqlOf.set(wrapped, sql);
    originals.set(wrapped, statement);
    return wrapped;
  };
  const db = {
    prepare: (sql: string) => wrap(real.prepare(sql), sql),
    batch: async (statements: D1PreparedStatement[]) => {
      if (!used && holds(statements.map((s) => sqlOf.get(s) ?? ""))) {
        used = true;
        reached();
        await gate;
      }
      return real.batch(statements.map((s) => originals.get(s) ?? s));
    },
    exec: (sql: string) => real.exec(sql),
    dump: () => real.dump(),
    withSession: () => {
      throw new Error("not wrapped");
    },
  } as unknown as D1Database;
  return { db, reached: arrived, open: () => open() };
}
