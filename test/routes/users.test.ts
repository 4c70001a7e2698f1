import { describe, expect, it } from "vitest";
import { call, loggedIn, register, uniqueEmail } from "../helpers";

describe("POST /users", () => {
  it("creates the user: 200 with exactly email and message", async () => {
    const email = uniqueEmail();
    const response = await register(email, "pw");
    expect(response.status).toBe(200);
    expect(await response.json()).toStrictEqual({ email, message: "user created" });
  });

  it("answers 400 `email already registered` for a taken email", async () => {
    const email = uniqueEmail();
    await register(email);
    const response = await register(email, "other");
    expect(response.status).toBe(400);
    expect(await response.json()).toStrictEqual({ message: "email already registered" });
  });

  it("accepts JSON and multipart bodies with the same fields", async () => {
    const jsonEmail = uniqueEmail();
    const json = await call("POST", "/users", { json: { email: jsonEmail, password: "pw" } });
    expect(await json.json()).toStrictEqual({ email: jsonEmail, message: "user created" });

    const multipartEmail = uniqueEmail();
    const form = new FormData();
    form.set("email", multipartEmail);
    form.set("password", "pw");
    const multipart = await call("POST", "/users", { body: form });
    expect(await multipart.json()).toStrictEqual({ email: multipartEmail, message: "user created" });
  });

  it.each([
    [{ password: "pw" }, "email is required"],
    [{ email: "", password: "pw" }, "email is required"],
    [{ email: "a@b.example" }, "password is required"],
    [{ email: "a@b.example", password: "" }, "password is required"],
  ])("answers 400 naming the missing field for %j", async (form, message) => {
    const response = await call("POST", "/users", { form });
    expect(response.status).toBe(400);
    expect(await response.json()).toStrictEqual({ message });
  });
});

describe("GET /profile", () => {
  it("answers 200 with the logged-in user's email", async () => {
    const { email, cookie } = await loggedIn();
    const response = await call("GET", "/profile", { cookie });
    expect(response.status).toBe(200);
    expect(await response.json()).toStrictEqual({ email });
  });

  it("answers 403 without a cookie, with an empty one and with an unknown one", async () => {
    for (const cookie of [undefined, "session_id=", `session_id=${crypto.randomUUID()}`, "other=1"]) {
      const response = await call("GET", "/profile", { cookie });
      expect(response.status).toBe(403);
      expect(await response.json()).toHaveProperty("message");
    }
  });
});
