import { isQueryError, logLine } from "../log";
import { TemporarilyUnavailable } from "./errors";

/**
 * D1's transient failures, and retries that cannot apply a write twice. Cloudflare documents
 * the errors a D1 query may fail with for reasons that are not the query's (the network, the
 * database's Durable Object being reset or moved, overload) and which are worth retrying
 * (developers.cloudflare.com/d1/observability/debug-d1/#error-list). They arrive as an Error
 * whose message (or a cause's: Drizzle wraps D1's error) holds D1's text, so they are told
 * apart by that text. What matters for a write is whether the statement may have run:
 *  - "not-run": D1 refused it before running it (overloaded, not found, locked): a retry is safe.
 *  - "maybe-run": the answer was lost (connection lost, object reset, our own timeout): the write
 *    may have committed, so only a write whose repetition is harmless, or whose effect can be
 *    looked for, is tried again.
 */

export type Transient = "not-run" | "maybe-run";

interface Known {
  /** A short class name for the logs (never D1's message, which may quote values). */
  name: string;
  pattern: RegExp;
  kind: Transient;
}

// First match wins: "while starting up ... reset" must come before the general reset.
const KNOWN: readonly Known[] = [
  { name: "D1Overloaded", pattern: /D1 DB is overloaded/i, kind: "not-run" },
  { name: "D1Unresolved", pattern: /Cannot resolve D1 DB due to transient issue/i, kind: "not-run" },
  { name: "D1StartupReset", pattern: /while starting up D1 DB storage caused object to be reset/i, kind: "not-run" },
  // SQLite's lock held by another connection (local D1, or a long write): the statement did not run.
  { name: "D1Busy", pattern: /database is locked|SQLITE_BUSY/i, kind: "not-run" },
  { name: "D1ConnectionLost", pattern: /Network connection lost/i, kind: "maybe-run" },
  { name: "D1Reset", pattern: /caused object to be reset|reset because its code was updated/i, kind: "maybe-run" },
  { name: "D1LimitReset", pattern: /exceeded its (?:memory|CPU time) limit/i, kind: "maybe-run" },
  // Not in D1's list: what D1 (local D1 at least) answers a read while another connection holds
  // SQLite's write lock, and the runtime's generic failure. It may be anything: "maybe-run".
  { name: "D1Internal", pattern: /internal error; reference = /i, kind: "maybe-run" },
];

/** Our own limit on one D1 call: the call may still complete after it. */
export class D1Timeout extends Error {
  constructor(readonly afterMs: number) {
    super(`D1 call took longer than ${afterMs} ms`);
    this.name = "D1Timeout";
  }
}

/** Which transient failure this is, if it is one (else a bug, a constraint, a domain error). */
export function transientFailure(error: unknown): { name: string; kind: Transient } | undefined {
  if (error instanceof D1Timeout) return { name: "D1Timeout", kind: "maybe-run" };
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    // Drizzle's wrapper quotes the statement's values (an address may read "sqlite_busy@..."); D1's own error is its cause.
    if (isQueryError(e)) continue;
    for (const known of KNOWN) if (known.pattern.test(e.message)) return { name: known.name, kind: known.kind };
  }
  return undefined;
}

/**
 * How a DB method may be retried:
 *  - "read": any transient failure is retried (a SELECT, or a write of absolute values that
 *    ends in the same state however often it runs);
 *  - "once": retried only when D1 says it did not run; after a "maybe-run" failure the request
 *    is answered 503 (counters, deletes whose answer reports what they removed);
 *  - detect: after a "maybe-run" failure, `landed` looks (with reads) for the attempt's effect:
 *    it returns the result the attempt would have returned, "absent" when it did not land (a
 *    retry is then safe), or "unknown" (answered 503). The lost call may still be on its way and
 *    land after the look; D1 runs one database's statements one at a time, in order, so a retry
 *    that then finds its guard false (`applied` says no) or hits the unique index looks once
 *    more, after both, and finds it.
 */
export type RetryPolicy<T> =
  "read" | "once" | { landed: () => Promise<{ result: T } | "absent" | "unknown">; applied?: (result: T) => boolean };

export interface RetryOptions {
  /** Put in each log line, to find the request the attempts belonged to. */
  requestId?: string;
  /** One D1 call that has not answered after this long counts as a "maybe-run" failure. */
  timeoutMs: number;
  /** At most this many calls for one method. */
  maxAttempts?: number;
  /** No call starts once this much time has gone since the request's first transient failure. */
  budgetMs?: number;
  /** Tests make waits instant. */
  sleep?: (ms: number) => Promise<void>;
  /** When the request's first transient failure happened: one object per request (per DB). */
  trouble?: { since?: number };
}

export const DEFAULT_D1_TIMEOUT_MS = 1000;
const MAX_ATTEMPTS = 3;
const BUDGET_MS = 400;
/** Full-jitter exponential backoff: a random wait in [0, BASE * 2^n), at least MIN. */
const BACKOFF_BASE_MS = 40;
const BACKOFF_MIN_MS = 5;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `call()`, or D1Timeout after `ms`; the call is not cancelled (D1 has no way to), only no longer awaited. */
async function withTimeout<T>(call: () => Promise<T>, ms: number): Promise<T> {
  let timer: number | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new D1Timeout(ms)), ms) as unknown as number;
  });
  try {
    return await Promise.race([call(), timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Runs one DB method's D1 work (`attempt`, one statement or one batch) under `policy`. Failures
 * that are not transient are rethrown as they are. A transient failure that cannot be retried
 * safely, or that lasts past the attempts or the time budget, becomes TemporarilyUnavailable
 * (503 with Retry-After). Each failed attempt is one warn line: method, attempt, error class and
 * request id, never a value.
 *
 * The time budget is the request's, not the method's: it starts at the request's first transient
 * failure (`options.trouble`, shared by every method and look of one DB), and from then on no
 * call starts after it ends and none waits past it. So a request spends at most one
 * D1_TIMEOUT_MS plus the budget on D1's failures, however many methods and looks it runs.
 */
export async function withRetries<T>(method: string, policy: RetryPolicy<T>, attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  const budgetMs = options.budgetMs ?? BUDGET_MS;
  const sleep = options.sleep ?? realSleep;
  const trouble = options.trouble ?? {};
  const left = () => (trouble.since === undefined ? Infinity : budgetMs - (Date.now() - trouble.since));
  // Set once an attempt may have run without us seeing its answer (detect policies only).
  let uncertain = false;
  /** Looks for a lost attempt's effect: its result, undefined when absent; 503 when it cannot tell. */
  const look = async (note: (outcome: string) => void) => {
    if (typeof policy !== "object") return undefined;
    // The look is itself a read, retried as one (its own lines in the log). When it fails too,
    // this method's attempt still gets its line: it may have run.
    let found: Awaited<ReturnType<typeof policy.landed>>;
    try {
      found = await withRetries(`${method}.landed`, "read", policy.landed, { ...options, trouble, maxAttempts: 2 });
    } catch (error) {
      if (error instanceof TemporarilyUnavailable) note("unavailable: may have run, cannot tell");
      throw error;
    }
    if (found === "unknown") {
      note("unavailable: may have run, cannot tell");
      throw new TemporarilyUnavailable(method);
    }
    return found === "absent" ? undefined : found;
  };
  for (let n = 1; ; n++) {
    let failure: { name: string; kind: Transient };
    const note = (outcome: string) =>
      logLine("warn", { requestId: options.requestId ?? "unknown", d1: failure?.name ?? "none", method, attempt: n, outcome });
    if (left() <= 0) {
      // An earlier failure of this request used the budget up: no more calls.
      logLine("warn", {
        requestId: options.requestId ?? "unknown",
        d1: "budget",
        method,
        attempt: n,
        outcome: "unavailable: time budget spent",
      });
      throw new TemporarilyUnavailable(method);
    }
    let outcome: { result: T } | { error: unknown };
    try {
      outcome = { result: await withTimeout(attempt, Math.min(options.timeoutMs, left())) };
    } catch (error) {
      outcome = { error };
    }
    if ("result" in outcome) {
      // A guard that no longer holds may be the lost attempt's own doing: look once more.
      if (uncertain && typeof policy === "object" && policy.applied?.(outcome.result) === false) {
        return (await look(note))?.result ?? outcome.result;
      }
      return outcome.result;
    }
    const transient = transientFailure(outcome.error);
    if (!transient) {
      // A unique index refusing the retry may be refusing the lost attempt's own row.
      const found = uncertain ? await look(note) : undefined;
      if (found) return found.result;
      throw outcome.error;
    }
    failure = transient;
    trouble.since ??= Date.now();
    if (failure.kind === "maybe-run" && policy === "once") {
      note("unavailable: may have run, not repeatable");
      throw new TemporarilyUnavailable(method);
    }
    if (failure.kind === "maybe-run" && typeof policy === "object") {
      uncertain = true;
      const found = await look(note);
      if (found) {
        note("landed");
        return found.result;
      }
    }
    const wait = Math.max(BACKOFF_MIN_MS, Math.random() * BACKOFF_BASE_MS * 2 ** (n - 1));
    if (n >= maxAttempts || wait >= left()) {
      note("unavailable: retries spent");
      throw new TemporarilyUnavailable(method);
    }
    note("retry");
    await sleep(wait);
  }
}
