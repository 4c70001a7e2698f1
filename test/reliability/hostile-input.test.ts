import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call, dispatch, randomIp, register, sessionCookieOf, uniqueEmail } from "../helpers";

/**
 * Property-based tests: generated requests of every shape thrown at every route. Whatever comes
 * in, no answer is a 5xx, every error is JSON with a message, and state changes only through a
 * request that succeeded.
 */

const RUNS_PER_ROUTE = 300;
const FIELD_NAMES = ["email", "password", "reset_token", "new_password"];

const victim = { email: "", password: "victim-password", cookie: "", hash: "" };

beforeAll(async () => {
  victim.email = uniqueEmail("victim");
  await register(victim.email, victim.password);
  const login = await call("POST", "/sessions", { form: { email: victim.email, password: victim.password } });
  victim.cookie = `session_id=${sessionCookieOf(login)}`;
  victim.hash = (await env.DB.prepare("SELECT hashed_password AS h FROM users WHERE email = ?")
    .bind(victim.email)
    .first<{ h: string }>())!.h;
});

const headerSafe = fc.stringMatching(/^[\x21-\x7e]{0,40}$/);
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom("", " ", "\u0000", "a\u0000b@example.com", "é".repeat(40), "x".repeat(300), "null", "[]", "{}"),
  fc.emailAddress(),
  fc.constant("VICTIM"),
);
const value = nasty.map((v) => (v === "VICTIM" ? victim.email : v));
const fieldName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);
const fields = fc.array(fc.tuple(fieldName, value), { maxLength: 6 });

type Body = { body?: BodyInit; contentType?: string; emails: string[] };

const emailsIn = (entries: [string, unknown][]) =>
  entries.filter(([k, v]) => k === "email" && typeof v === "string").map(([, v]) => v as string);

const body: fc.Arbitrary<Body> = fc.oneof(
  fields.map((entries) => ({
    body: new URLSearchParams(entries).toString(),
    contentType: "application/x-www-form-urlencoded",
    emails: emailsIn(entries),
  })),
  fields.map((entries) => {
    const form = new FormData();
    // workerd's client refuses to encode a part name ending in a backslash; the raw
    // multipart bodies below send those.
    for (const [k, v] of entries) if (!k.endsWith("\\")) form.append(k, v);
    return { body: form, emails: emailsIn(entries) };
  }),
  fc.tuple(fields, fc.dictionary(fc.constantFrom(...FIELD_NAMES), fc.jsonValue(), { maxKeys: 4 })).map(([entries, extra]) => {
    // Hand-written JSON so keys can repeat; values of any JSON type, nested included.
    const parts = [...entries.map(([k, v]) => [k, v] as [string, unknown]), ...Object.entries(extra)];
    const text = `{${parts.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`;
    return { body: text, contentType: "application/json", emails: emailsIn(parts) };
  }),
  fc.tuple(fields, fc.constantFrom("b", "x\\", "")).map(([entries, boundary]) => {
    // Hand-made multipart, well- or ill-formed, names and values unescaped.
    const parts = entries.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("");
    return { body: `${parts}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}`, emails: emailsIn(entries) };
  }),
  fc.jsonValue().map((v) => ({ body: JSON.stringify(v) ?? "null", contentType: "application/json", emails: [] })),
  fc.string({ maxLength: 200 }).map((s) => ({ body: s, contentType: "application/json", emails: [] })),
  fc.uint8Array({ maxLength: 512 }).map((bytes) => ({ body: bytes, contentType: "application/octet-stream", emails: [] })),
  fc
    .tuple(
      fc.uint8Array({ maxLength: 256 }),
      fc.constantFrom("application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "application/json", ""),
    )
    .map(([bytes, contentType]) => ({ body: bytes, contentType, emails: [] })),
  fc
    .constantFrom(17 * 1024, 64 * 1024)
    .map((n) => ({ body: `email=a%40b.example&password=${"x".repeat(n)}`, contentType: "application/x-www-form-urlencoded", emails: [] })),
  fc.constant<Body>({ body: undefined, emails: [] }),
  headerSafe.map((contentType) => ({ body: "email=a@b.example&password=p", contentType, emails: ["a@b.example"] })),
);

const cookie = fc.option(
  fc.oneof(
    fc.constant("VICTIM"),
    fc.string({ maxLength: 80 }).map((s) => `session_id=${encodeURIComponent(s)}`),
    headerSafe,
    fc.uuid().map((id) => `session_id=${id}`),
    fc.constant(`session_id=${"a".repeat(4000)}`),
  ),
  { nil: undefined },
);

const extraHeaders = fc.record(
  {
    origin: fc.constantFrom("http://localhost", "https://evil.example", "null"),
    "sec-fetch-site": fc.constantFrom("same-origin", "cross-site", "none", "same-site"),
    "cf-connecting-ip": fc.oneof(fc.ipV4(), headerSafe),
    accept: headerSafe,
  },
  { requiredKeys: [] },
);

async function userCount(emails: string[]): Promise<number> {
  const normalised = [...new Set(emails.map((e) => e.trim().toLowerCase()))];
  if (normalised.length === 0) return 0;
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM users WHERE email IN (${normalised.map(() => "?").join(",")})`)
    .bind(...normalised)
    .first<{ n: number }>();
  return row!.n;
}

async function send(method: string, path: string, b: Body, cookieValue: string | undefined, headers: Record<string, string>) {
  const init = new Headers(headers);
  if (!init.has("cf-connecting-ip")) init.set("cf-connecting-ip", randomIp());
  if (b.contentType !== undefined) init.set("content-type", b.contentType);
  if (cookieValue !== undefined) init.set("cookie", cookieValue === "VICTIM" ? victim.cookie : cookieValue);
  const hasBody = !["GET", "HEAD"].includes(method);
  return dispatch(
    new Request(`http://localhost${path}`, { method, headers: init, body: hasBody ? b.body : undefined, redirect: "manual" }),
  );
}

async function checkInvariants(method: string, path: string, b: Body, cookieValue: string | undefined, headers: Record<string, string>) {
  const before = await userCount(b.emails);
  const response = await send(method, path, b, cookieValue, headers);
  const text = await response.text();

  expect(response.status, `${method} ${path} -> ${response.status} ${text}`).toBeLessThan(500);
  if (response.status >= 400 && method !== "HEAD") {
    const parsed = JSON.parse(text) as { message?: unknown };
    expect(typeof parsed.message).toBe("string");
    expect(parsed.message).not.toBe("");
  }
  // A registration leaves a row only when it answered 200; nothing else adds one.
  const registered = method === "POST" && path === "/users" && response.status === 200 ? 1 : 0;
  expect(await userCount(b.emails)).toBe(before + registered);
  if (path === "/reset_password") await expectVictimUntouched();
}

/** Nobody can know the victim's reset token here, so its row and password hash never change. */
async function expectVictimUntouched() {
  const row = await env.DB.prepare("SELECT hashed_password AS h FROM users WHERE email = ?").bind(victim.email).first<{ h: string }>();
  expect(row?.h).toBe(victim.hash);
}

const ROUTES: [string, string][] = [
  ["GET", "/"],
  ["POST", "/users"],
  ["POST", "/sessions"],
  ["DELETE", "/sessions"],
  ["GET", "/profile"],
  ["POST", "/reset_password"],
  ["PUT", "/reset_password"],
];

describe("hostile input never gets a 5xx nor changes state unasked", () => {
  it.each(ROUTES)(
    "%s %s",
    async (method, path) => {
      await fc.assert(
        fc.asyncProperty(body, cookie, extraHeaders, async (b, c, h) => checkInvariants(method, path, b, c, h)),
        { numRuns: RUNS_PER_ROUTE },
      );
      await expectVictimUntouched();
    },
    60_000,
  );

  it("any method on any path", async () => {
    const anyMethod = fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND");
    const anyPath = fc.oneof(
      fc.constantFrom("/", "/users", "/sessions", "/profile", "/reset_password", "/users/", "//", "/%00", "/..%2f", "/profile?x=1"),
      fc.webPath(),
    );
    await fc.assert(
      fc.asyncProperty(anyMethod, anyPath, body, cookie, extraHeaders, async (m, p, b, c, h) =>
        checkInvariants(m, p.startsWith("/") ? p : `/${p}`, b, c, h),
      ),
      { numRuns: RUNS_PER_ROUTE },
    );
    await expectVictimUntouched();
  }, 60_000);
});
