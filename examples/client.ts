/**
 * A typed client for edge-auth from `hono/client`: paths, methods, inputs and JSON outputs are
 * checked at compile time against the service's own route declarations (`AppType`). The typed
 * client sends JSON bodies; the service takes the same fields as forms too.
 *   const auth = edgeAuthClient("https://auth.example.com");
 *   await auth.users.$post({ json: { email, password } });
 * In a browser, pass `init: { credentials: "include" }` so the session cookie is sent and kept;
 * elsewhere pass it along yourself, as logIn and whoAmI below do.
 */
import { hc } from "hono/client";
// What another project writes (the package, from a path or a git URL): the generated types.
import type { AppType } from "edge-auth";

export function edgeAuthClient(baseUrl: string, fetch?: typeof globalThis.fetch) {
  return hc<AppType>(baseUrl, { fetch });
}

type Client = ReturnType<typeof edgeAuthClient>;

/** Error answers are `{"message": ...}`; a 429 says how long to wait. */
async function refusal(response: { status: number; headers: Headers; json(): Promise<unknown> }): Promise<Error> {
  const { message } = (await response.json()) as { message: string };
  const wait = response.headers.get("retry-after");
  return new Error(`${response.status} ${message}${wait ? ` (try again in ${wait} s)` : ""}`);
}

/** Registers and returns the address as the service stored it (trimmed, lower-cased). */
export async function register(auth: Client, email: string, password: string): Promise<string> {
  const response = await auth.users.$post({ json: { email, password } });
  if (!response.ok) throw await refusal(response);
  const { email: stored, message } = await response.json(); // typed: { email: string; message: "user created" }
  console.log(message);
  return stored;
}

/** Logs in and returns the session id to send with later requests. */
export async function logIn(auth: Client, email: string, password: string): Promise<string> {
  const response = await auth.sessions.$post({ json: { email, password } });
  if (!response.ok) throw await refusal(response);
  const sessionId = /session_id=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
  if (!sessionId) throw new Error("no session cookie");
  return sessionId;
}

/** The logged-in user's email, or null when the session has ended. */
export async function whoAmI(auth: Client, sessionId: string): Promise<string | null> {
  const response = await auth.profile.$get({ cookie: { session_id: sessionId } });
  return response.status === 200 ? (await response.json()).email : null;
}
