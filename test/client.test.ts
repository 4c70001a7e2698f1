import { expect, it } from "vitest";
import { edgeAuthClient, logIn, register, whoAmI } from "../examples/client";
import { dispatch, randomIp, uniqueEmail } from "./helpers";

/** The typed client of examples/client.ts, its requests handed to the real app. */
const auth = edgeAuthClient("http://localhost", (input, init) => {
  const request = new Request(input, init);
  request.headers.set("cf-connecting-ip", randomIp());
  return dispatch(request);
});

it("drives the whole contract flow through the typed client (hono/client with AppType)", async () => {
  const email = uniqueEmail("client");
  expect(await register(auth, `  ${email.toUpperCase()} `, "b4l0u")).toBe(email);

  await expect(logIn(auth, email, "wrong")).rejects.toThrow("401 invalid email or password");
  expect(await whoAmI(auth, "no-such-session")).toBeNull();

  const sessionId = await logIn(auth, email, "b4l0u");
  expect(await whoAmI(auth, sessionId)).toBe(email);

  const logout = await auth.sessions.$delete({ cookie: { session_id: sessionId } });
  expect([logout.status, logout.headers.get("location")]).toEqual([302, "/"]);
  expect(await whoAmI(auth, sessionId)).toBeNull();
  expect((await auth.sessions.$delete({ cookie: { session_id: sessionId } })).status).toBe(403);

  const asked = await auth.reset_password.$post({ json: { email } });
  expect(asked.status).toBe(200);
  // RESET_TOKEN_DELIVERY=response (the tests' setting): the token is in the answer.
  const reset_token = (await asked.json()).reset_token!;
  const reset = await auth.reset_password.$put({ json: { email, reset_token, new_password: "t4rt1fl3tt3" } });
  expect(await reset.json()).toEqual({ email, message: "Password updated" });
  expect((await auth.reset_password.$put({ json: { email, reset_token, new_password: "again" } })).status).toBe(403);

  await expect(logIn(auth, email, "b4l0u")).rejects.toThrow("401");
  expect(await whoAmI(auth, await logIn(auth, email, "t4rt1fl3tt3"))).toBe(email);
  expect(await (await auth.index.$get()).json()).toEqual({ message: "Bienvenue" });
});

it("catches mistakes at compile time (tsc checks these lines in npm test)", () => {
  const typedOnly = () => {
    // @ts-expect-error: there is no such route
    void auth.sign_up.$post({ json: { email: "a@b.c", password: "x" } });
    // @ts-expect-error: a field of the wrong name
    void auth.users.$post({ json: { mail: "a@b.c", password: "x" } });
    // @ts-expect-error: the method does not exist on that path
    void auth.profile.$post();
  };
  expect(typedOnly).toBeTypeOf("function");
});
