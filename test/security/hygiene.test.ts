import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { topLevelKeys } from "../../src/http/body";
import { call, dispatch, loggedIn, register, uniqueEmail } from "../helpers";

describe("CSRF", () => {
  it.each([
    ["POST", "/users"],
    ["POST", "/sessions"],
    ["DELETE", "/sessions"],
    ["POST", "/reset_password"],
    ["PUT", "/reset_password"],
  ])("refuses %s %s from a foreign Origin or a cross-site fetch with 403", async (method, path) => {
    const attempts: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "null" }, { "sec-fetch-site": "cross-site" }];
    for (const headers of attempts) {
      const response = await call(method, path, { headers, form: { email: uniqueEmail(), password: "pw" } });
      expect(response.status).toBe(403);
      expect(await response.json()).toStrictEqual({ message: "cross-site request refused" });
    }
  });

  it("changes nothing when it refuses", async () => {
    const email = uniqueEmail();
    await call("POST", "/users", { headers: { origin: "https://evil.example" }, form: { email, password: "pw" } });
    expect(await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first()).toBeNull();
  });

  it("serves same-origin browsers and clients without those headers", async () => {
    const { cookie } = await loggedIn();
    const sameOrigin = { origin: "http://localhost", "sec-fetch-site": "same-origin" };
    expect((await call("POST", "/users", { headers: sameOrigin, form: { email: uniqueEmail(), password: "pw" } })).status).toBe(200);
    expect((await call("DELETE", "/sessions", { cookie })).status).toBe(302);
    // Reading is not state-changing: a cross-site GET is answered (the cookie is SameSite=Lax).
    expect((await call("GET", "/", { headers: { origin: "https://evil.example" } })).status).toBe(200);
  });

  it("ALLOWED_ORIGINS lets a listed front end through", async () => {
    const headers = { origin: "https://app.example" };
    const form = { email: uniqueEmail(), password: "pw" };
    expect((await call("POST", "/users", { headers, form })).status).toBe(403);
    const vars = { ALLOWED_ORIGINS: "https://other.example, https://app.example" };
    expect((await call("POST", "/users", { headers, form, vars })).status).toBe(200);
  });
});

describe("bodies", () => {
  it("refuses a body over 16 KiB with a JSON 413", async () => {
    const response = await call("POST", "/users", { form: { email: uniqueEmail(), password: "x".repeat(17 * 1024) } });
    expect(response.status).toBe(413);
    expect(await response.json()).toHaveProperty("message");
  });

  it("refuses a chunked body (no Content-Length) over 16 KiB with a JSON 413", async () => {
    const chunk = new TextEncoder().encode(`email=a%40b.example&password=${"x".repeat(1024)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const request = new Request("http://localhost/users", {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": "10.1.2.3" },
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBeNull();
    const response = await dispatch(request);
    expect(response.status).toBe(413);
    expect(await response.json()).toHaveProperty("message");
  });

  it.each([
    ["malformed JSON", { body: '{"email": ', headers: { "content-type": "application/json" } }, "body is not valid JSON"],
    ["a JSON array", { json: [1, 2] }, "JSON body must be an object"],
    ["a JSON string", { json: "email" }, "JSON body must be an object"],
    [
      "a wrong content type",
      { body: "email=a@b.c&password=p", headers: { "content-type": "text/plain" } },
      "unsupported content type: send a form or JSON",
    ],
    [
      "a duplicated form field",
      { body: "email=a@b.example&email=c@d.example&password=p", headers: { "content-type": "application/x-www-form-urlencoded" } },
      "email is given more than once",
    ],
    [
      "a duplicated JSON key",
      { body: '{"email":"a@b.example","password":"p","email":"c@d.example"}', headers: { "content-type": "application/json" } },
      "email is given more than once",
    ],
    ["a number", { json: { email: 5, password: "p" } }, "email must be a string"],
    ["an object", { json: { email: "a@b.example", password: { $ne: 1 } } }, "password must be a string"],
    ["an array", { json: { email: ["a@b.example"], password: "p" } }, "email must be a string"],
    ["an absurdly long email", { form: { email: `${"a".repeat(300)}@example.com`, password: "p" } }, "email is longer than 254 characters"],
    ["a non-email", { form: { email: "not an email", password: "p" } }, "email is not a valid email address"],
    ["a NUL in the email", { form: { email: "a\u0000b@example.com", password: "p" } }, "email is not a valid email address"],
    [
      "a broken multipart body",
      { body: "--x\r\nnope", headers: { "content-type": "multipart/form-data; boundary=x" } },
      "body is not valid multipart/form-data",
    ],
  ])("answers 400 JSON for %s", async (_, options, message) => {
    const response = await call("POST", "/users", options);
    expect(response.status).toBe(400);
    expect(await response.json()).toStrictEqual({ message });
  });

  it("refuses a file where a text field belongs", async () => {
    const form = new FormData();
    form.set("email", new File(["a@b.example"], "email.txt"));
    form.set("password", "pw");
    const response = await call("POST", "/users", { body: form });
    expect(response.status).toBe(400);
    expect(await response.json()).toStrictEqual({ message: "email must be a string" });
  });

  it("reads top-level JSON keys with repeats, skipping nested ones and string contents", () => {
    expect(topLevelKeys('{"a":1,"b":{"a":2,"c":[{"d":"}"}]},"e\\"":"x,\\"f\\":","a":3}')).toEqual(["a", "b", 'e"', "a"]);
    expect(topLevelKeys("{}")).toEqual([]);
  });

  it("a failed request leaves no row behind", async () => {
    const email = uniqueEmail();
    await call("POST", "/users", { form: { email, password: "x".repeat(73) } });
    expect(await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first()).toBeNull();
    expect((await register(email)).status).toBe(200);
  });
});
