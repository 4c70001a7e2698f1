import { Hono } from "hono";
import { expect, it, vi } from "vitest";
import { onError } from "../../src/http/errors";
import { call } from "../helpers";

it("responses carry the secure-headers set", async () => {
  const response = await call("GET", "/");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  expect(response.headers.get("strict-transport-security")).toContain("max-age=");
  expect(response.headers.get("referrer-policy")).toBe("same-origin");
});

it("an unexpected error is logged with the request id and answered with a generic 500", async () => {
  const log = vi.spyOn(console, "error").mockImplementation(() => {});
  const app = new Hono<{ Variables: { requestId: string } }>();
  app.use(async (c, next) => {
    c.set("requestId", "req-42");
    await next();
  });
  app.get("/boom", () => {
    throw new Error("D1_ERROR: no such column: secret_sql at SELECT * FROM users");
  });
  app.onError(onError);

  const response = await app.request("/boom");
  expect(response.status).toBe(500);
  const text = await response.text();
  expect(JSON.parse(text)).toStrictEqual({ message: "internal error" });
  expect(text).not.toMatch(/SELECT|D1_ERROR|at /);
  expect(log).toHaveBeenCalledOnce();
  expect(String(log.mock.calls[0]![0])).toContain("req-42");
  log.mockRestore();
});

it("the request id is always our own, never one the client sent", async () => {
  const response = await call("GET", "/", { headers: { "x-request-id": "attacker-chosen-id" } });
  const id = response.headers.get("x-request-id");
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(id).not.toBe("attacker-chosen-id");
  expect(response.headers.get("cache-control")).toBe("no-store");
});
