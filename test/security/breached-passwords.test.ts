import { afterEach, describe, expect, it, vi } from "vitest";
import { call, loggedIn, uniqueEmail } from "../helpers";

/**
 * The Pwned Passwords check against a fake range API (fetch is replaced), with SHA-1 computed here
 * independently of the service.
 */
const RANGE_URL = "https://pwned.test/range/";
const ON = { BREACHED_PASSWORD_CHECK: "on", PWNED_PASSWORDS_URL: RANGE_URL };
const BREACHED = [400, { message: "this password has appeared in a data breach; choose another" }];

async function sha1(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return [...digest]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
}

/** A fake range API that lists `breached` (with counts) among padding lines; records what it was asked. */
function fakeRangeApi(breached: Record<string, number>) {
  const asked: { url: string; headers: Headers }[] = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(RANGE_URL)) return realFetch(input, init);
    asked.push({ url, headers: new Headers(init?.headers) });
    const prefix = url.slice(RANGE_URL.length);
    const lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:0", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2"];
    for (const [hash, count] of Object.entries(breached)) if (hash.startsWith(prefix)) lines.push(`${hash.slice(5)}:${count}`);
    return new Response(lines.join("\r\n"), { status: 200 });
  });
  return asked;
}

const statusAndBody = async (response: Response) => [response.status, await response.json()];

afterEach(() => vi.restoreAllMocks());

describe("breached passwords (BREACHED_PASSWORD_CHECK)", () => {
  it("registration with a breached password gets 400 and no account; only the hash's first five characters leave, padded", async () => {
    const hash = await sha1("password123");
    const asked = fakeRangeApi({ [hash]: 12345 });
    const email = uniqueEmail("pwned");
    const response = await call("POST", "/users", { form: { email, password: "password123" }, vars: ON });
    expect(await statusAndBody(response)).toEqual(BREACHED);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.url).toBe(`${RANGE_URL}${hash.slice(0, 5)}`);
    expect(asked[0]!.headers.get("add-padding")).toBe("true");
    // Not registered: logging in finds no such account.
    expect((await call("POST", "/sessions", { form: { email, password: "password123" } })).status).toBe(401);
  });

  it("a password not in the list, or only in the padding (count 0), is accepted", async () => {
    const padded = await sha1("only-in-padding");
    fakeRangeApi({ [padded]: 0 });
    expect((await call("POST", "/users", { form: { email: uniqueEmail("pwned"), password: "only-in-padding" }, vars: ON })).status).toBe(
      200,
    );
    expect((await call("POST", "/users", { form: { email: uniqueEmail("pwned"), password: "a fresh one" }, vars: ON })).status).toBe(200);
  });

  it("changing the password and resetting it are checked too", async () => {
    const hash = await sha1("letmein");
    fakeRangeApi({ [hash]: 3 });
    const { email, cookie } = await loggedIn(uniqueEmail("pwned"), "pw");
    const change = await call("PUT", "/profile/password", {
      cookie,
      form: { current_password: "pw", new_password: "letmein" },
      vars: ON,
    });
    expect(await statusAndBody(change)).toEqual(BREACHED);
    const { reset_token } = (await (await call("POST", "/reset_password", { form: { email } })).json()) as { reset_token: string };
    const reset = await call("PUT", "/reset_password", { form: { email, reset_token, new_password: "letmein" }, vars: ON });
    expect(await statusAndBody(reset)).toEqual(BREACHED);
    // The old password still logs in; the token was not spent by the refusal.
    expect((await call("POST", "/sessions", { form: { email, password: "pw" } })).status).toBe(200);
    expect((await call("PUT", "/reset_password", { form: { email, reset_token, new_password: "not-breached" }, vars: ON })).status).toBe(
      200,
    );
  });

  it("a range API that does not answer within a second: the password is accepted, with one warn line that names nothing of it", async () => {
    const password = "slow-service-password";
    const hash = await sha1(password);
    vi.spyOn(globalThis, "fetch").mockImplementation(
      (_input: RequestInfo | URL, init?: RequestInit) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))),
    );
    const warn = vi.spyOn(console, "warn");
    const started = Date.now();
    const response = await call("POST", "/users", { form: { email: uniqueEmail("pwned"), password }, vars: ON });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5000);
    const lines = warn.mock.calls.map((args) => String(args[0])).filter((line) => line.includes("breached-passwords"));
    expect(lines).toHaveLength(1);
    for (const secret of [password, hash, hash.slice(0, 5), hash.slice(5), hash.toLowerCase().slice(0, 5)]) {
      expect(lines[0]).not.toContain(secret);
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn", check: "breached-passwords" });
  });

  it("an error answer (503) is a skipped check too, not a refusal", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("down", { status: 503 }));
    vi.spyOn(console, "warn").mockImplementation(() => {});
    expect((await call("POST", "/users", { form: { email: uniqueEmail("pwned"), password: "x-pw" }, vars: ON })).status).toBe(200);
  });

  it("off (the local and test default): nothing is asked", async () => {
    const asked = fakeRangeApi({ [await sha1("password123")]: 1 });
    expect((await call("POST", "/users", { form: { email: uniqueEmail("pwned"), password: "password123" } })).status).toBe(200);
    expect(asked).toHaveLength(0);
  });
});
