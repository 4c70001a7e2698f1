import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, LOCAL_ONLY_ENCRYPTION_KEY, readConfig, SECRET_SETTINGS } from "../src/config";

/** The deploy check's stand-in for a signing-keys secret (what a deployment sets is checked there). */
const SIGNING = SECRET_SETTINGS.OIDC_SIGNING_KEYS!;
import { call } from "./helpers";

afterEach(() => vi.restoreAllMocks());

describe("readConfig", () => {
  it("reads wrangler.toml's defaults", () => {
    expect(readConfig({})).toMatchObject({ auth: { bcryptCost: 10 }, passwordMinLength: 1, allowedOrigins: [], logRequests: true });
  });

  it.each([
    ["BCRYPT_COST", "abc", "must be a whole number from 4 to 13"],
    ["BCRYPT_COST", "10.5", "must be a whole number from 4 to 13"],
    ["BCRYPT_COST", "3", "must be a whole number from 4 to 13"],
    // Above 13 the costliest route (a password change) would take seconds of CPU: see docs/scaling.md.
    ["BCRYPT_COST", "14", "must be a whole number from 4 to 13"],
    ["SESSION_IDLE_TIMEOUT_SECONDS", "1e3", "must be a whole number from 60 to 34560000"],
    ["PASSWORD_MIN_LENGTH", "0", "must be a whole number from 1 to 72"],
    ["LOGIN_BACKOFF_MAX_SECONDS", "0", "must be a whole number from 1 to 86400"],
    ["LOG_REQUESTS", "yes", 'must be "true" or "false"'],
    [
      "ALLOWED_ORIGINS",
      "https://app.example/",
      "must be comma-separated origins such as https://app.example.com (no path, no trailing slash)",
    ],
    ["ALLOWED_ORIGINS", "app.example", "must be comma-separated origins such as https://app.example.com (no path, no trailing slash)"],
  ])("refuses %s=%s, naming the variable, its value and what is allowed", (variable, value, allowed) => {
    const error = (() => {
      try {
        readConfig({ [variable]: value });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ variable, value, allowed, message: `${variable} is ${JSON.stringify(value)}: ${allowed}` });
  });
});

describe("the settings of second factors and passkeys", () => {
  const KEY = btoa("k".repeat(32));
  const refusal = (settings: Record<string, string>) => {
    try {
      readConfig(settings);
    } catch (e) {
      return e as ConfigError;
    }
    throw new Error("accepted");
  };

  it("PUBLIC_URL defaults to http://localhost:8787: the relying party is localhost, and the local-only key is used", () => {
    const config = readConfig({});
    expect(config.auth.publicUrl).toBe("http://localhost:8787");
    expect(config.auth.encryptionKey).toBe(LOCAL_ONLY_ENCRYPTION_KEY);
    expect(config.auth).toMatchObject({ reauthWindowSeconds: 600, passkeys: true, breachedPasswords: { check: false } });
  });

  it("a deployment (a PUBLIC_URL that is not this machine) needs its own ENCRYPTION_KEY, and checks breached passwords by default", () => {
    expect(refusal({ PUBLIC_URL: "https://auth.example.com" })).toMatchObject({ variable: "ENCRYPTION_KEY", value: "" });
    expect(refusal({ PUBLIC_URL: "https://auth.example.com", ENCRYPTION_KEY: LOCAL_ONLY_ENCRYPTION_KEY }).message).toMatch(
      /published in the source/,
    );
    for (const bad of ["short", btoa("x".repeat(31)), "not base64 at all!"]) {
      const error = refusal({ PUBLIC_URL: "https://auth.example.com", ENCRYPTION_KEY: bad });
      expect(error).toMatchObject({ variable: "ENCRYPTION_KEY", value: "(hidden)" });
      expect(error.message).not.toContain(bad);
    }
    const config = readConfig({ PUBLIC_URL: "https://auth.example.com", ENCRYPTION_KEY: KEY, OIDC_SIGNING_KEYS: SIGNING });
    expect(config.auth.encryptionKey).toBe(KEY);
    expect(config.auth.breachedPasswords).toEqual({ check: true, url: "https://api.pwnedpasswords.com/range/" });
  });

  it("refuses an IP address as PUBLIC_URL while passkeys are on (browsers refuse WebAuthn there), and allows it with PASSKEYS=off", () => {
    for (const url of ["http://127.0.0.1:8787", "http://[::1]:8787", "https://203.0.113.7"]) {
      expect(refusal({ PUBLIC_URL: url, ENCRYPTION_KEY: KEY })).toMatchObject({ variable: "PUBLIC_URL", value: url });
      expect(readConfig({ PUBLIC_URL: url, ENCRYPTION_KEY: KEY, OIDC_SIGNING_KEYS: SIGNING, PASSKEYS: "off" }).auth.passkeys).toBe(false);
    }
  });

  it.each([
    ["REAUTH_WINDOW_SECONDS", "10", "must be a whole number from 30 to 86400"],
    ["PASSKEYS", "yes", 'must be one of "on", "off"'],
    ["BREACHED_PASSWORD_CHECK", "true", 'must be one of "on", "off"'],
    [
      "PWNED_PASSWORDS_URL",
      "https://api.pwnedpasswords.com/range",
      "must be the range API's base URL, ending in a slash, such as https://api.pwnedpasswords.com/range/",
    ],
    [
      "PWNED_PASSWORDS_URL",
      "ftp://x/",
      "must be the range API's base URL, ending in a slash, such as https://api.pwnedpasswords.com/range/",
    ],
  ])("refuses %s=%s", (variable, value, allowed) => {
    expect(refusal({ [variable]: value })).toMatchObject({ variable, value, allowed });
  });
});

describe("a Worker deployed with a setting it cannot run with", () => {
  it("answers 503 with a generic message on every route and logs one line naming the variable, without a stack", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    for (const path of ["/", "/profile", "/openapi.json"]) {
      const response = await call("GET", path, { vars: { BCRYPT_COST: "twelve" } });
      expect(response.status, path).toBe(503);
      // Like every 503: when to ask again (a fix takes a deploy).
      expect(response.headers.get("retry-after"), path).toBe("60");
      expect(await response.json()).toStrictEqual({ message: "service unavailable" });
    }
    // The pages say the same in HTML (test/pages/account.test.ts).
    const page = await call("GET", "/account/login", { vars: { BCRYPT_COST: "twelve" } });
    expect([page.status, page.headers.get("retry-after")]).toEqual([503, "60"]);
    // (Only this test's lines: files share one runtime, and another's background work may log.)
    const own = lines.filter((line) => line.includes('"ConfigError"'));
    expect(own).toHaveLength(4);
    const entry = JSON.parse(own[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: "error", error: "ConfigError", variable: "BCRYPT_COST" });
    // The refused value never reaches a log (not hex: a request id cannot contain it by chance).
    expect(lines.join("\n")).not.toMatch(/twelve|stack|frames|\bat /);
  });
});
