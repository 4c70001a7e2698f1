import { expect } from "vitest";
import { call, sessionCookieOf, uniqueEmail } from "./helpers";

/**
 * The original project's integration client (main.py), step by step. `headers` go on every
 * request (a pinned client address, say).
 */
export async function runContractFlow(headers: Record<string, string> = {}): Promise<void> {
  const email = uniqueEmail("guillaume");
  const password = "b4l0u";
  const newPassword = "t4rt1fl3tt3";
  const send = (method: string, path: string, form?: Record<string, string>, cookie?: string) =>
    call(method, path, { form, cookie, headers });

  let response = await send("POST", "/users", { email, password });
  expect([response.status, await response.json()]).toEqual([200, { email, message: "user created" }]);

  response = await send("POST", "/sessions", { email, password: newPassword });
  expect(response.status).toBe(401);

  expect((await send("GET", "/profile")).status).toBe(403);

  response = await send("POST", "/sessions", { email, password });
  expect([response.status, await response.json()]).toEqual([200, { email, message: "logged in" }]);
  const cookie = `session_id=${sessionCookieOf(response)}`;

  response = await send("GET", "/profile", undefined, cookie);
  expect([response.status, await response.json()]).toEqual([200, { email }]);

  response = await send("DELETE", "/sessions", undefined, cookie);
  expect([response.status, response.headers.get("location")]).toEqual([302, "/"]);
  expect((await send("GET", "/profile", undefined, cookie)).status).toBe(403);
  expect((await send("DELETE", "/sessions", undefined, cookie)).status).toBe(403);

  response = await send("POST", "/reset_password", { email });
  expect(response.status).toBe(200);
  const { reset_token } = (await response.json()) as { reset_token: string };

  response = await send("PUT", "/reset_password", { email, reset_token, new_password: newPassword });
  expect([response.status, await response.json()]).toEqual([200, { email, message: "Password updated" }]);
  response = await send("PUT", "/reset_password", { email, reset_token, new_password: "again" });
  expect(response.status).toBe(403);

  expect((await send("POST", "/sessions", { email, password })).status).toBe(401);
  expect((await send("POST", "/sessions", { email, password: newPassword })).status).toBe(200);
}
