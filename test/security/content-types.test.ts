import { describe, expect, it } from "vitest";
import { call, uniqueEmail } from "../helpers";

const multipart = (boundary: string, fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
    .join("") + `--${boundary}--\r\n`;

describe("content types as clients really write them: the contract's answers, never 415", () => {
  it.each([
    ["application/json;", "json"],
    ["application/json; charset", "json"],
    ["application/json; charset=UTF-8", "json"],
    ["Application/JSON", "json"],
    ["application/x-www-form-urlencoded ; charset=utf-8", "form"],
    ["application/x-www-form-urlencoded; charset=us-ascii", "form"],
    ["multipart/form-data; charset=utf-8; boundary=XyZ", "multipart"],
    ["multipart/form-data;  boundary=XyZ", "multipart"],
    ["multipart/form-data; boundary=XyZ; charset=utf-8", "multipart"],
    ['multipart/form-data; boundary="Xy Z"', "multipart-quoted"],
  ])("%s", async (contentType, kind) => {
    const email = uniqueEmail();
    const fields = { email, password: "pw" };
    const body =
      kind === "json"
        ? JSON.stringify(fields)
        : kind === "form"
          ? new URLSearchParams(fields).toString()
          : multipart(kind === "multipart-quoted" ? "Xy Z" : "XyZ", fields);
    const response = await call("POST", "/users", { body, headers: { "content-type": contentType } });
    expect([response.status, await response.json()]).toEqual([200, { email, message: "user created" }]);
  });

  it("anything else is the contract's 400, on the API and (as a page) under /account", async () => {
    for (const contentType of ["text/plain", "application/xml", "multipart/mixed; boundary=x"]) {
      const api = await call("POST", "/users", { body: "x", headers: { "content-type": contentType } });
      expect([api.status, await api.json()]).toEqual([400, { message: "unsupported content type: send a form or JSON" }]);
      const page = await call("POST", "/account/login", { body: "x", headers: { "content-type": contentType } });
      expect(page.status).toBe(400);
    }
  });
});
