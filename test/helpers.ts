import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { app } from "../src/app";
import { Auth, type AuthOptions } from "../src/auth/auth";
import { readConfig } from "../src/config";
import { DB } from "../src/db/db";
import { sha256Hex } from "../src/auth/tokens";

let counter = 0;

/** A fresh address per call, so tests never depend on each other's rows. */
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

export function makeDb(): DB {
  return new DB(env.DB);
}

export function makeAuth(overrides: Partial<AuthOptions> = {}): Auth {
  return new Auth(makeDb(), { ...readConfig(env).auth, ...overrides });
}

export function randomIp(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

type Fields = Record<string, string>;

export interface CallOptions {
  form?: Fields;
  json?: unknown;
  body?: BodyInit;
  cookie?: string;
  headers?: Record<string, string>;
  /** Vars to override for this one request, as a deployment's wrangler.toml would. */
  vars?: Partial<Record<keyof Env, string>>;
  /** Bindings to swap for this one request (a counting D1, say). */
  bindings?: Partial<Env>;
}

/**
 * Hands a request to the worker's default export (the app) inside the Workers runtime. Not
 * through `exports.default.fetch`: under vitest-pool-workers 0.23 every such call gets slower
 * as their count grows (cloudflare/workers-sdk#15446), which the property tests would hit.
 */
export async function dispatch(request: Request, bindings: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, bindings, ctx);
  // Work sent after the answer (mail) is done before the test looks at its effects.
  await waitOnExecutionContext(ctx);
  return response;
}

/** Calls the worker's own fetch handler, as a client on the network would. */
export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  let body: BodyInit | undefined = options.body;
  if (options.form) {
    body = new URLSearchParams(options.form);
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers.set("content-type", "application/json");
  }
  if (options.cookie !== undefined) headers.set("cookie", options.cookie);
  // Each call looks like a different client unless a test pins the address, so per-IP rate
  // limits only come into play in the tests about them.
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", randomIp());
  const url = path.startsWith("http") ? path : `http://localhost${path}`;
  const request = new Request(url, { method, headers, body, redirect: "manual" });
  return dispatch(request, { ...env, ...options.vars, ...options.bindings } as Env);
}

/** The session_id value a response sets, or undefined. */
export function sessionCookieOf(response: Response): string | undefined {
  const header = response.headers.get("set-cookie") ?? "";
  return /(?:^|,\s*)session_id=([^;]*)/.exec(header)?.[1];
}

export async function register(email: string, password = "pw"): Promise<Response> {
  return call("POST", "/users", { form: { email, password } });
}

/** Registers and logs in; returns the cookie header to send as that user. */
export async function loggedIn(email = uniqueEmail(), password = "pw"): Promise<{ email: string; cookie: string }> {
  await register(email, password);
  const response = await call("POST", "/sessions", { form: { email, password } });
  const id = sessionCookieOf(response);
  if (response.status !== 200 || !id) throw new Error(`login failed: ${response.status}`);
  return { email, cookie: `session_id=${id}` };
}

/** The sessions row of a cookie's secret (SQL column names), or null. */
export async function sessionRow(secret: string): Promise<Record<string, unknown> | null> {
  return env.DB.prepare("SELECT * FROM sessions WHERE secret_hash = ?")
    .bind(await sha256Hex(secret))
    .first<Record<string, unknown>>();
}

/** The secret of a `session_id=...` cookie header. */
export function secretOf(cookie: string): string {
  return cookie.replace(/^session_id=/, "");
}

/** Runs SQL on the sessions of the user with `email` (move deadlines, say). */
export async function updateSessionsOf(email: string, set: string): Promise<void> {
  await env.DB.prepare(`UPDATE sessions SET ${set} WHERE user_id = (SELECT id FROM users WHERE email = ?)`).bind(email).run();
}
