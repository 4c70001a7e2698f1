/**
 * D1 failing on purpose, the way D1 fails: for the tests and for `npm run stress -- --faults`.
 * A production build never holds this code: src/http/context.ts only reaches it when the build
 * defines EDGE_AUTH_FAULTS_BUILD (the stress script's build does; wrangler.toml defines it false
 * for every environment, so the minifier drops it), and `npm run deploy` refuses D1_FAULTS.
 */

/** D1's documented messages for its transient errors (debug-d1, "List of D1_ERRORs"), and SQLite's lock. */
export const D1_TRANSIENT_MESSAGES = {
  overloaded: "D1_ERROR: D1 DB is overloaded. Requests queued for too long.",
  unresolved: "D1_ERROR: Cannot resolve D1 DB due to transient issue on remote node.",
  startupReset: "D1_ERROR: Internal error while starting up D1 DB storage caused object to be reset.",
  busy: "D1_ERROR: database is locked: SQLITE_BUSY",
  connectionLost: "D1_ERROR: Network connection lost.",
  storageReset: "D1_ERROR: Internal error in D1 DB storage caused object to be reset.",
  codeUpdated: "D1_ERROR: D1 DB reset because its code was updated.",
  timeoutReset: "D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.",
  memoryReset: "D1_ERROR: D1 DB's isolate exceeded its memory limit and was reset.",
} as const;

export type D1TransientMessage = keyof typeof D1_TRANSIENT_MESSAGES;

/**
 * What happens to one D1 call:
 *  - "before": it fails without reaching the database;
 *  - "after": it runs (and commits), then the answer is lost: the "did it land?" case;
 *  - "late": it does not answer for `delayMs`, then runs (a call that outlives its timeout);
 *  - "hang": it never answers and never runs.
 */
export type Fault =
  /** `message`: one of D1_TRANSIENT_MESSAGES by name, or any other text (a test's non-transient error). */
  { timing: "before" | "after"; message: D1TransientMessage | (string & {}) } | { timing: "late"; delayMs: number } | { timing: "hang" };

/** Asked before the n-th call (0-based; a batch is one call), with its SQL ("batch" for a batch). */
export type FaultPlan = (n: number, sql: string) => Fault | undefined;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function failWith(message: string): Error {
  const text = (D1_TRANSIENT_MESSAGES as Record<string, string>)[message] ?? message;
  // D1's own errors carry their text in `message` and the original in `cause`.
  return new Error(text, { cause: new Error(text) });
}

/** Wraps a D1 binding so the calls `plan` picks fail as it says. Everything else is the real D1. */
export function faultyD1(real: D1Database, plan: FaultPlan): D1Database {
  let calls = 0;
  const originals = new WeakMap<object, D1PreparedStatement>();
  async function call<T>(sql: string, run: () => Promise<T>): Promise<T> {
    const fault = plan(calls++, sql);
    if (!fault) return run();
    switch (fault.timing) {
      case "before":
        throw failWith(fault.message);
      case "after":
        await run();
        throw failWith(fault.message);
      case "late":
        await sleep(fault.delayMs);
        return run();
      case "hang":
        return new Promise<never>(() => {});
    }
  }
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values), sql),
      run: () => call(sql, () => statement.run()),
      all: () => call(sql, () => statement.all()),
      first: (column?: string) => call(sql, () => (column === undefined ? statement.first() : statement.first(column))),
      raw: (options?: { columnNames?: boolean }) => call(sql, () => statement.raw(options as { columnNames: true })),
    } as unknown as D1PreparedStatement;
    originals.set(wrapped, statement);
    return wrapped;
  };
  return {
    prepare: (sql: string) => wrap(real.prepare(sql), sql),
    batch: (statements: D1PreparedStatement[]) => call("batch", () => real.batch(statements.map((s) => originals.get(s) ?? s))),
    exec: (sql: string) => call(sql, () => real.exec(sql)),
    dump: () => real.dump(),
    withSession: () => {
      throw new Error("withSession is not wrapped");
    },
  } as unknown as D1Database;
}

/** The errors after which a call may have run: D1 never says "overloaded" about a call it ran. */
export const MAYBE_RUN_MESSAGES: readonly D1TransientMessage[] = [
  "connectionLost",
  "storageReset",
  "codeUpdated",
  "timeoutReset",
  "memoryReset",
];

/**
 * Each call fails with probability `rate`: a random documented error before the call, or one
 * that leaves it unknown whether it ran after it ran; one failure in twenty is a call that
 * answers only after `lateMs` (past the timeout).
 */
export function randomFaults(rate: number, lateMs: number, random: () => number = Math.random): FaultPlan {
  const messages = Object.keys(D1_TRANSIENT_MESSAGES) as D1TransientMessage[];
  return () => {
    if (random() >= rate) return undefined;
    const pick = random();
    if (pick < 0.05) return { timing: "late", delayMs: lateMs };
    if (pick < 0.5) return { timing: "before", message: messages[Math.floor(random() * messages.length)]! };
    return { timing: "after", message: MAYBE_RUN_MESSAGES[Math.floor(random() * MAYBE_RUN_MESSAGES.length)]! };
  };
}
