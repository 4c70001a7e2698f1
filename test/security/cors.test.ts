import { describe, expect, it } from "vitest";
import { call, register, uniqueEmail } from "../helpers";

const vars = { ALLOWED_ORIGINS: "https://app.example, http://localhost:5173" };
const preflight = (origin: string) =>
  call("OPTIONS", "/sessions", {
    vars,
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
  });
const corsHeaders = (response: Response) => [...response.headers.keys()].filter((name) => name.startsWith("access-control-"));

describe("CORS for the origins in ALLOWED_ORIGINS", () => {
  it("answers a configured origin's preflight with credentials allowed", async () => {
    const response = await preflight("https://app.example");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("access-control-allow-methods")).toBe("GET,POST,PUT,DELETE");
    expect(response.headers.get("access-control-allow-headers")).toBe("Content-Type");
    expect((await preflight("http://localhost:5173")).headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
  });

  it("lets that origin log in and read the profile, and read the answers", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    const headers = { origin: "https://app.example", "sec-fetch-site": "cross-site" };
    const login = await call("POST", "/sessions", { vars, json: { email, password: "pw" }, headers });
    // A cross-site fetch from an allowed origin passes the CSRF guard too.
    expect(login.status).toBe(200);
    expect(login.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(login.headers.get("access-control-allow-credentials")).toBe("true");
    expect(login.headers.get("access-control-expose-headers")).toBe("Retry-After,X-Request-Id");
  });

  it("gives any other origin nothing: no Access-Control-* header, preflight 405, writes 403", async () => {
    const response = await preflight("https://evil.example");
    expect(response.status).toBe(405);
    expect(corsHeaders(response)).toEqual([]);
    const post = await call("POST", "/sessions", {
      vars,
      form: { email: "a@b.c", password: "x" },
      headers: { origin: "https://evil.example" },
    });
    expect(post.status).toBe(403);
    expect(corsHeaders(post)).toEqual([]);
    // Nor does a configured origin get anything from a deployment that does not list it.
    expect(corsHeaders(await call("OPTIONS", "/sessions", { headers: { origin: "https://app.example" } }))).toEqual([]);
  });
});
