import { expect, it } from "vitest";
import { call, sessionCookieOf, uniqueEmail } from "./helpers";

// The original project's integration client (main.py), step by step.
it("runs the whole contract flow end to end", async () => {
  const email = uniqueEmail("guillaume");
  const password = "b4l0u";
  const newPassword = "t4rt1fl3tt3";

  let response = await call("POST", "/users", { form: { email, password } });
  expect([response.status, await response.json()]).toEqual([200, { email, message: "user created" }]);

  response = await call("POST", "/sessions", { form: { email, password: newPassword } });
  expect(response.status).toBe(401);

  expect((await call("GET", "/profile")).status).toBe(403);

  response = await call("POST", "/sessions", { form: { email, password } });
  expect([response.status, await response.json()]).toEqual([200, { email, message: "logged in" }]);
  const cookie = `session_id=${sessionCookieOf(response)}`;

  response = await call("GET", "/profile", { cookie });
  expect([response.status, await response.json()]).toEqual([200, { email }]);

  response = await call("DELETE", "/sessions", { cookie });
  expect([response.status, response.headers.get("location")]).toEqual([302, "/"]);
  expect((await call("GET", "/profile", { cookie })).status).toBe(403);
  expect((await call("DELETE", "/sessions", { cookie })).status).toBe(403);

  response = await call("POST", "/reset_password", { form: { email } });
  expect(response.status).toBe(200);
  const { reset_token } = (await response.json()) as { reset_token: string };

  response = await call("PUT", "/reset_password", { form: { email, reset_token, new_password: newPassword } });
  expect([response.status, await response.json()]).toEqual([200, { email, message: "Password updated" }]);
  response = await call("PUT", "/reset_password", { form: { email, reset_token, new_password: "again" } });
  expect(response.status).toBe(403);

  expect((await call("POST", "/sessions", { form: { email, password } })).status).toBe(401);
  expect((await call("POST", "/sessions", { form: { email, password: newPassword } })).status).toBe(200);
});
