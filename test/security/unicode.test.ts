import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, uniqueEmail } from "../helpers";

/** A JSON body written by hand, so escapes such as \ud800 reach the service as sent. */
const rawJson = (text: string) => ({ body: text, headers: { "content-type": "application/json" } });

/** Status and body as JSON text (lone surrogates escaped, so a failing diff stays printable). */
async function status(response: Response) {
  return [response.status, JSON.stringify(await response.json())];
}

describe("text that is not well-formed Unicode is refused, in every field", () => {
  it("a lone surrogate in an email or a password (JSON escapes) is a 400 naming the field", async () => {
    const user = uniqueEmail().split("@")[0];
    expect(await status(await call("POST", "/users", rawJson(`{"email":"${user}\\ud800@x.example","password":"pw"}`)))).toEqual([
      400,
      JSON.stringify({ message: "email is not valid Unicode text" }),
    ]);
    expect(await status(await call("POST", "/users", rawJson(`{"email":"${user}@x.example","password":"p\\udc00w"}`)))).toEqual([
      400,
      JSON.stringify({ message: "password is not valid Unicode text" }),
    ]);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email LIKE ?").bind(`${user}%`).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("percent-escapes and multipart parts that are not UTF-8 are a 400 too", async () => {
    const form = await call("POST", "/users", {
      body: `email=${uniqueEmail()}&password=%E9t%E9`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(await status(form)).toEqual([400, JSON.stringify({ message: "body is not valid UTF-8" })]);
    const boundary = "XyZ";
    const bytes = new Uint8Array([
      ...new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\n${uniqueEmail()}\r\n`),
      ...new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="password"\r\n\r\nx`),
      0xff,
      ...new TextEncoder().encode(`y\r\n--${boundary}--\r\n`),
    ]);
    const multipart = await call("POST", "/users", {
      body: bytes,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    });
    expect(await status(multipart)).toEqual([400, JSON.stringify({ message: "body is not valid UTF-8" })]);
  });

  it("a body whose bytes are not UTF-8 is a 400, not text with U+FFFD in it", async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"email":"a'),
      0xff,
      ...new TextEncoder().encode('@x.example","password":"pw"}'),
    ]);
    const response = await call("POST", "/users", { body: bytes, headers: { "content-type": "application/json" } });
    expect(await status(response)).toEqual([400, JSON.stringify({ message: "body is not valid UTF-8" })]);
  });
});

describe("addresses that look the same are one account", () => {
  it.each([
    ["fullwidth letters", "\uff42\uff4f\uff42"],
    ["mathematical bold letters", "\u{1d41b}\u{1d428}\u{1d41b}"],
    ["the fi ligature", "\ufb01"],
    ["a combining mark on an ASCII letter", "ex\u0323ample"],
  ])("%s, which look like other letters, are refused", async (_, local) => {
    const response = await call("POST", "/users", { form: { email: `${local}-${crypto.randomUUID()}@example.com`, password: "pw" } });
    expect(await status(response)).toEqual([400, JSON.stringify({ message: "email is not a valid email address" })]);
  });

  it("composed and decomposed é, in any case, are the same address (NFC before lower-casing)", async () => {
    const local = uniqueEmail().split("@")[0];
    const composed = `${local}-\u00e9@example.com`;
    const decomposedUpper = `${local}-E\u0301@EXAMPLE.com`;
    const first = await call("POST", "/users", { form: { email: decomposedUpper, password: "pw" } });
    expect(await status(first)).toEqual([200, JSON.stringify({ email: composed, message: "user created" })]);
    const second = await call("POST", "/users", { form: { email: composed, password: "pw" } });
    expect(await status(second)).toEqual([400, JSON.stringify({ message: "email already registered" })]);
    expect((await call("POST", "/sessions", { form: { email: `${local}-e\u0301@example.com`, password: "pw" } })).status).toBe(200);
  });

  it.each([
    ["zero-width space", "\u200b"],
    ["zero-width joiner", "\u200d"],
    ["word joiner", "\u2060"],
    ["byte order mark", "\ufeff"],
    ["right-to-left override", "\u202e"],
    ["left-to-right mark", "\u200e"],
    ["soft hyphen", "\u00ad"],
    ["replacement character", "\ufffd"],
    ["Braille blank", "\u2800"],
    ["object replacement character", "\ufffc"],
    ["unassigned code point", "\u0378"],
    ["noncharacter", "\ufdd0"],
  ])("an invisible %s inside an email is refused", async (_, ch) => {
    const response = await call("POST", "/users", { form: { email: `bob${ch}-${crypto.randomUUID()}@example.com`, password: "pw" } });
    expect(await status(response)).toEqual([400, JSON.stringify({ message: "email is not a valid email address" })]);
  });
});
