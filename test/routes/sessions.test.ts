import { describe, expect, it } from "vitest";
import { call, loggedIn, register, sessionCookieOf, uniqueEmail } from "../helpers";

describe("POST /sessions", () => {
  it("logs in: 200, exact body, and a session_id cookie on Path=/", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    const response = await call("POST", "/sessions", { form: { email, password: "pw" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toStrictEqual({ email, message: "logged in" });
    expect(response.headers.get("set-cookie")).toMatch(/^session_id=[0-9a-f-]{36};.*Path=\//);
  });

  it("answers 401 for a wrong password and for an unknown email, without a cookie", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    for (const form of [
      { email, password: "nope" },
      { email: uniqueEmail(), password: "pw" },
    ]) {
      const response = await call("POST", "/sessions", { form });
      expect(response.status).toBe(401);
      expect(await response.json()).toHaveProperty("message");
      expect(sessionCookieOf(response)).toBeUndefined();
    }
  });

  it("answers 400 for missing fields", async () => {
    const response = await call("POST", "/sessions", { form: { email: uniqueEmail() } });
    expect(response.status).toBe(400);
    expect(await response.json()).toStrictEqual({ message: "password is required" });
  });
});

describe("DELETE /sessions", () => {
  it("destroys the session and redirects to / with 302", async () => {
    const { cookie } = await loggedIn();
    const response = await call("DELETE", "/sessions", { cookie });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/");
    expect((await call("GET", "/profile", { cookie })).status).toBe(403);
  });

  it("answers 403 for no cookie and for an unknown session", async () => {
    for (const cookie of [undefined, `session_id=${crypto.randomUUID()}`]) {
      const response = await call("DELETE", "/sessions", { cookie });
      expect(response.status).toBe(403);
      expect(await response.json()).toHaveProperty("message");
    }
  });
});
