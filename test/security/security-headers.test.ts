import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { expect, it } from "vitest";
import { call } from "../helpers";

// src/http/security-headers.ts writes the headers out itself (one pass, no extra layer). Hono's
// secureHeaders, given the policies we want, is the reference: every header it would send must
// be in our answers with the same value, on every kind of page.
const csp = {
  page: {
    defaultSrc: ["'none'"],
    styleSrc: ["'unsafe-inline'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  docs: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  passkeys: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    connectSrc: ["'self'"],
    styleSrc: ["'unsafe-inline'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
};

async function reference(policy: keyof typeof csp, referrerPolicy: string): Promise<Headers> {
  const app = new Hono();
  app.use(secureHeaders({ referrerPolicy, contentSecurityPolicy: csp[policy] }));
  app.get("/", (c) => c.text(""));
  return (await app.request("/")).headers;
}

it.each([
  ["GET", "/", "page", "same-origin"],
  ["GET", "/profile", "page", "same-origin"],
  ["POST", "/sessions", "page", "same-origin"],
  ["GET", "/no-such-path", "page", "same-origin"],
  ["GET", "/account/register", "page", "same-origin"],
  ["GET", "/account/reset?token=abc", "page", "no-referrer"],
  ["GET", "/account/verify?token", "page", "no-referrer"],
  // Hono decodes query keys: an encoded `token` is one too.
  ["GET", "/account/reset?%74oken=abc", "page", "no-referrer"],
  ["GET", "/docs", "docs", "same-origin"],
  ["GET", "/account/login", "passkeys", "same-origin"],
  ["GET", "/account/passkeys", "passkeys", "same-origin"],
  ["GET", "/account/reauthenticate", "passkeys", "same-origin"],
] as const)(
  "%s %s carries every header Hono's secureHeaders would send (%s CSP, Referrer-Policy %s)",
  async (method, path, policy, referrer) => {
    const expected = await reference(policy, referrer);
    const response = await call(method, path);
    const names = [...expected.keys()].filter((name) => name !== "content-type");
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const name of names) expect([name, response.headers.get(name)]).toStrictEqual([name, expected.get(name)]);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  },
);

it("an answer from a 503 (a refused setting) carries them too", async () => {
  const expected = await reference("page", "same-origin");
  const response = await call("GET", "/", { vars: { BCRYPT_COST: "99" } });
  expect(response.status).toBe(503);
  for (const name of [...expected.keys()].filter((n) => n !== "content-type")) expect(response.headers.get(name)).toBe(expected.get(name));
});
