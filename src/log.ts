/**
 * Structured log lines, and what may be said in them about an error. Messages are never logged:
 * Drizzle writes a failed statement's parameters (emails, password hashes, token digests) into
 * its message, and other errors quote their input too. A log line names classes, SQL text with
 * placeholders, and the error codes D1 and SQLite put in their messages, nothing else.
 */

export type LogLevel = "info" | "warn" | "error";

export function logLine(level: LogLevel, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export interface ErrorSummary {
  /** The error's class (`DrizzleQueryError`, `TypeError`...). */
  error: string;
  /** The statement that failed, with `?` placeholders: Drizzle keeps values apart from it. */
  sql?: string;
  /** Codes such as `D1_ERROR` or `SQLITE_BUSY` found in the error or its causes. */
  codes?: string[];
  /** The causes' classes, outermost first. */
  causes?: string[];
  /** Stack frames without the message line. */
  frames?: string[];
}

const CODE = /\b(?:D1_[A-Z_]+|SQLITE_[A-Z_]+)\b/g;

function className(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  // The bundle is minified without keeping names, so Drizzle's wrapper (which sets no `name`) is
  // recognised by its shape; other errors carry their `name` (built-in, or set by the class).
  if (isQueryError(error)) return "DrizzleQueryError";
  return error.name;
}

/** True for Drizzle's wrapper around a failed statement (it carries `query` and `params`). */
export function isQueryError(error: unknown): error is Error & { query: string } {
  return error instanceof Error && typeof (error as { query?: unknown }).query === "string" && "params" in error;
}

/** The codes a D1 or SQLite error message names, never the rest of the message. */
export function errorCodes(error: unknown): string[] {
  const codes = new Set<string>();
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    // A query error's own message holds parameter values; only its causes come from D1.
    if (isQueryError(e)) continue;
    for (const code of e.message.match(CODE) ?? []) codes.add(code);
  }
  return [...codes];
}

export function summarizeError(error: unknown): ErrorSummary {
  const summary: ErrorSummary = { error: className(error) };
  const causes: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (isQueryError(e) && summary.sql === undefined) summary.sql = e.query;
    if (e !== error) causes.push(className(e));
  }
  const codes = errorCodes(error);
  if (codes.length) summary.codes = codes;
  if (causes.length) summary.causes = causes;
  if (error instanceof Error && error.stack) {
    summary.frames = error.stack
      .split("\n")
      .filter((line) => /^\s+at /.test(line))
      .map((line) => line.trim())
      .slice(0, 8);
  }
  return summary;
}
