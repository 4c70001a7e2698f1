import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import { call } from "../helpers";

it("GET / welcomes in French", async () => {
  const response = await call("GET", "/");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(await response.json()).toEqual({ message: "Bienvenue" });
});

it("GET / in a browser (Accept: text/html first) is a page leading to the account pages and the docs", async () => {
  const accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  const response = await call("GET", "/", { headers: { accept } });
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  expect(response.headers.get("vary")).toBe("Accept");
  const page = await response.text();
  for (const link of ["/account/login", "/account/register", "/docs"]) expect(page).toContain(`href="${link}"`);
  // Every other client keeps the contract's JSON.
  for (const other of ["*/*", "application/json", "application/json, text/html"]) {
    expect(await (await call("GET", "/", { headers: { accept: other } })).json()).toEqual({ message: "Bienvenue" });
  }
});

it("an unknown path is a JSON 404", async () => {
  const response = await call("GET", "/nowhere");
  expect(response.status).toBe(404);
  expect(await response.json()).toEqual({ message: "not found" });
});

it("a wrong method on a known path is a JSON 405 with Allow", async () => {
  const response = await call("PATCH", "/reset_password");
  expect(response.status).toBe(405);
  expect(response.headers.get("allow")).toContain("PUT");
  expect(await response.json()).toEqual({ message: "method not allowed" });
  expect((await call("POST", "/")).status).toBe(405);
  expect((await call("GET", "/sessions")).status).toBe(405);
});

it("the entry module exports the handler and the AuthService entrypoint only (workerd refuses any other export)", async () => {
  const entry = await import("../../src/index");
  expect(Object.keys(entry).sort()).toEqual(["AuthService", "default"]);
  const { WorkerEntrypoint } = await import("cloudflare:workers");
  expect(entry.AuthService.prototype).toBeInstanceOf(WorkerEntrypoint);
});

it("the deployed entry point answers through the runtime's own fetch", async () => {
  const response = await exports.default.fetch("http://localhost/");
  expect(await response.json()).toEqual({ message: "Bienvenue" });
});
