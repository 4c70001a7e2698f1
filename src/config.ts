import { type AuthOptions, MAX_BCRYPT_COST } from "./auth/options";

export { MAX_BCRYPT_COST };
import { LOCAL_ONLY_SIGNING_KEYS, signingKeysProblem } from "./auth/oauth-keys";
import { type ProviderSettings, readProviders } from "./config-providers";
import type { D1Options } from "./db/binding";
import { DEFAULT_D1_TIMEOUT_MS } from "./db/resilience";

/** How mail leaves the Worker (src/mail/). */
export type MailTransport = "none" | "email-service" | "resend";

export interface MailConfig {
  transport: MailTransport;
  /** The From header: `Name <address>` or an address. */
  from: string;
  /** The base of every link in mail (the deployment's own public origin, maybe with a path). */
  publicUrl: string;
  /** The product name in subjects and bodies. */
  appName: string;
  /** Resend (transport "resend"): its API key, a Worker secret, and its API's base URL. */
  resendApiKey: string;
  resendApiUrl: string;
}

export interface Config {
  auth: AuthOptions;
  /** PUBLIC_URL names a loopback host: this is a developer's machine, not a deployment. */
  local: boolean;
  /** The session cookie's Domain (COOKIE_DOMAIN), shared with sibling hosts; unset: host-only. */
  cookieDomain?: string;
  /** Providers people sign in with, and the settings of incomplete ones (off, with a warn line). */
  signIn: ProviderSettings;
  mail: MailConfig;
  /** Checked when a password is set (registration, reset), not at login. */
  passwordMinLength: number;
  /** Origins besides the service's own that may send state-changing requests, with CORS. */
  allowedOrigins: string[];
  logRequests: boolean;
  d1: D1Config;
}

/** How the service talks to D1: the option object the data layer takes. */
export type D1Config = D1Options;

/** A decimal setting from 0 to `max`, `fallback` when unset. */
function shareVar(settings: Settings, name: string, fallback: number, max: number): number {
  const value = raw(settings, name);
  if (value === undefined) return fallback;
  const number = Number(value.trim());
  if (!/^\s*\d+(?:\.\d+)?\s*$/.test(value) || !(number >= 0 && number <= max)) {
    throw new ConfigError(name, value, `must be a number from 0 to ${max}, such as 0.05`);
  }
  return number;
}

/**
 * A setting with a value the service cannot run with. Scripts print it as one line (name, value,
 * what is allowed) and refuse to start; a deployed Worker answers 503 and logs the name only.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly allowed: string,
  ) {
    super(`${variable} is ${JSON.stringify(value)}: ${allowed}`);
    this.name = "ConfigError";
  }
}

const DAY = 24 * 60 * 60;

/**
 * Settings that are Worker secrets (`wrangler secret put`, or `--secrets-file` at deploy), never
 * in wrangler.toml, each with a value of the right form. The deploy check cannot read a
 * deployed secret's value, only its name: it parses the settings with these in place of the
 * secrets it knows are set, so that only a missing one is refused.
 */
export const SECRET_SETTINGS: Readonly<Record<string, string>> = {
  RESEND_API_KEY: "re_deploy_check",
  ENCRYPTION_KEY: "ZGVwbG95LWNoZWNrLWtleS0zMi1ieXRlcy1sb25nISE=",
  OIDC_SIGNING_KEYS: "(checked by the deploy)",
};

/**
 * The key a developer's machine encrypts with when ENCRYPTION_KEY is not set (a fresh clone's
 * `npm start` works). Published here, so it protects nothing: any deployment refuses it.
 */
export const LOCAL_ONLY_ENCRYPTION_KEY = "bG9jYWwtb25seSBrZXksIG5ldmVyIGRlcGxveSBpdCE=";

/** Hosts that are this machine: a PUBLIC_URL on one of them is a local run. */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** 32 bytes in base64 (`openssl rand -base64 32`): the key TOTP secrets are encrypted under. */
function encryptionKeyVar(settings: Settings, local: boolean): string {
  const how =
    "a Worker secret of 32 random bytes in base64: `openssl rand -base64 32 | npx wrangler secret put ENCRYPTION_KEY --env <name>`";
  const value = raw(settings, "ENCRYPTION_KEY");
  if (value === undefined) {
    if (local) return LOCAL_ONLY_ENCRYPTION_KEY;
    throw new ConfigError("ENCRYPTION_KEY", "", `must be set for a deployment (PUBLIC_URL is not a local address): ${how}`);
  }
  let bytes = 0;
  try {
    bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? atob(value).length : 0;
  } catch {
    bytes = 0;
  }
  if (bytes !== 32) throw new ConfigError("ENCRYPTION_KEY", "(hidden)", `must be ${how}`);
  if (value === LOCAL_ONLY_ENCRYPTION_KEY && !local) {
    throw new ConfigError("ENCRYPTION_KEY", "(the local-only key)", `is published in the source; a deployment needs its own: ${how}`);
  }
  return value;
}

/** OIDC_SIGNING_KEYS (a Worker secret); the published local-only keys on a developer's machine only. */
function signingKeysVar(settings: Settings, local: boolean): string {
  const how = "a Worker secret made by `npm run keys -- new` (docs/oidc-provider.md)";
  const value = raw(settings, "OIDC_SIGNING_KEYS");
  if (value === undefined || value === SECRET_SETTINGS.OIDC_SIGNING_KEYS) {
    if (local) return LOCAL_ONLY_SIGNING_KEYS;
    if (value !== undefined) return value; // the deploy check's stand-in: the deploy checks the secret itself
    throw new ConfigError("OIDC_SIGNING_KEYS", "", `must be set for a deployment (PUBLIC_URL is not a local address): ${how}`);
  }
  const problem = signingKeysProblem(value);
  if (problem) throw new ConfigError("OIDC_SIGNING_KEYS", "(hidden)", `${problem}; ${how}`);
  if (value === LOCAL_ONLY_SIGNING_KEYS && !local) {
    throw new ConfigError("OIDC_SIGNING_KEYS", "(the local-only keys)", `are published in the source; a deployment needs its own: ${how}`);
  }
  return value;
}

/** COOKIE_DOMAIN: the session cookie's Domain, a parent of PUBLIC_URL's host (`.example.com`). */
function cookieDomainVar(settings: Settings, host: string): string | undefined {
  const value = raw(settings, "COOKIE_DOMAIN");
  if (value === undefined) return undefined;
  const domain = value.replace(/^\./, "").toLowerCase();
  // The host itself, or a parent with at least two labels (never a public suffix like ".com").
  const parent = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain) && host.endsWith(`.${domain}`);
  if (!(host === domain || parent)) {
    throw new ConfigError("COOKIE_DOMAIN", value, `must be PUBLIC_URL's host (${host}) or a parent domain of it, such as .example.com`);
  }
  return domain;
}

/** `on` or `off`. */
function onOff(settings: Settings, name: string, fallback: boolean): boolean {
  return oneOf(settings, name, fallback ? "on" : "off", ["on", "off"] as const) === "on";
}

/** The settings as strings, whatever the source: the Worker's `env`, .dev.vars, a script's vars. */
export type Settings = object;

function raw(settings: Settings, name: string): string | undefined {
  const value = (settings as Record<string, unknown>)[name];
  if (value === undefined || value === null || value === "") return undefined;
  return String(value);
}

/** An integer setting, `fallback` when unset; anything else than an integer in range is refused. */
function intVar(settings: Settings, name: string, fallback: number, min: number, max: number): number {
  const value = raw(settings, name);
  if (value === undefined) return fallback;
  const number = Number(value.trim());
  if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new ConfigError(name, value, `must be a whole number from ${min} to ${max}`);
  }
  return number;
}

function boolVar(settings: Settings, name: string, fallback: boolean): boolean {
  const value = raw(settings, name);
  if (value === undefined) return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new ConfigError(name, value, 'must be "true" or "false"');
}

/** Comma-separated origins, each exactly `scheme://host[:port]` as browsers send it in `Origin`. */
function originsVar(settings: Settings, name: string): string[] {
  const value = raw(settings, name) ?? "";
  const origins = value
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(name, value, `must be comma-separated origins such as https://app.example.com (no path, no trailing slash)`);
    }
  }
  return origins;
}

function oneOf<T extends string>(settings: Settings, name: string, fallback: T, allowed: readonly T[]): T {
  const value = raw(settings, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new ConfigError(name, value, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  return value as T;
}

const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

/** `Name <address>` or `address`; the name without quotes, angle brackets or line breaks. */
function fromVar(settings: Settings, name: string): string {
  const value = raw(settings, name) ?? "";
  const match = /^\s*([^<>"\r\n]*?)\s*<([^<>]+)>\s*$/.exec(value);
  const address = match ? match[2]! : value.trim();
  if (!ADDRESS.test(address) || /[\r\n]/.test(value)) {
    throw new ConfigError(name, value, "must be an address the mail is sent from, such as `edge-auth <no-reply@auth.example.com>`");
  }
  return value.trim();
}

/** An http(s) URL without query, fragment or trailing slash: links in mail start with it. */
function publicUrlVar(settings: Settings, name: string): string {
  const value = raw(settings, name) ?? "";
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const canonical = url && (url.pathname === "/" ? url.origin : `${url.origin}${url.pathname}`);
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || value.endsWith("/") || canonical !== value) {
    throw new ConfigError(
      name,
      value,
      "must be the service's public address, such as https://auth.example.com (no query, no trailing slash)",
    );
  }
  return value;
}

/** Where the service is reached when PUBLIC_URL is not set: `npm start`'s address. */
export const DEFAULT_PUBLIC_URL = "http://localhost:8787";
export const DEFAULT_PWNED_PASSWORDS_URL = "https://api.pwnedpasswords.com/range/";

/** The Pwned Passwords range API's base: an http(s) URL the five-character prefix is appended to. */
function rangeUrlVar(settings: Settings, name: string): string {
  const value = raw(settings, name)!;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || !value.endsWith("/")) {
    throw new ConfigError(
      name,
      value,
      "must be the range API's base URL, ending in a slash, such as https://api.pwnedpasswords.com/range/",
    );
  }
  return value;
}

function mailConfig(settings: Settings, publicUrl: string): MailConfig {
  const transport = oneOf<MailTransport>(settings, "MAIL_TRANSPORT", "none", ["none", "email-service", "resend"]);
  const appName = raw(settings, "APP_NAME") ?? "edge-auth";
  if (appName.length > 60 || /[\u0000-\u001f\u007f<>]/.test(appName)) {
    throw new ConfigError("APP_NAME", appName, "must be a short name (at most 60 characters, no control characters or angle brackets)");
  }
  // Resend's API; another base only for a test's fake provider.
  const resendApiUrl = raw(settings, "RESEND_API_URL") === undefined ? "https://api.resend.com" : publicUrlVar(settings, "RESEND_API_URL");
  if (transport === "none") return { transport, from: "", publicUrl, appName, resendApiKey: "", resendApiUrl };
  const resendApiKey = raw(settings, "RESEND_API_KEY") ?? "";
  if (transport === "resend" && resendApiKey === "") {
    throw new ConfigError(
      "RESEND_API_KEY",
      "",
      'must be set (a Worker secret: `wrangler secret put RESEND_API_KEY`) when MAIL_TRANSPORT is "resend"',
    );
  }
  return {
    transport,
    from: fromVar(settings, "MAIL_FROM"),
    publicUrl,
    appName,
    resendApiKey,
    resendApiUrl,
  };
}

/**
 * The typed settings, parsed from `[vars]` (wrangler.toml or .dev.vars). The Worker calls it per
 * request; every script calls it (through tsx) before it starts, so both refuse the same values.
 */
export function readConfig(settings: Settings): Config {
  const publicUrl = raw(settings, "PUBLIC_URL") === undefined ? DEFAULT_PUBLIC_URL : publicUrlVar(settings, "PUBLIC_URL");
  const host = new URL(publicUrl).hostname;
  const local = LOOPBACK.has(host);
  const mail = mailConfig(settings, publicUrl);
  const passkeys = onOff(settings, "PASSKEYS", true);
  // Browsers refuse WebAuthn on an IP address (a relying party is a domain).
  if (passkeys && (/^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith("["))) {
    throw new ConfigError(
      "PUBLIC_URL",
      publicUrl,
      'must name a host, not an IP address, while PASSKEYS is "on" (browsers refuse passkeys on an IP address): http://localhost:<port> locally',
    );
  }
  const resetTokenDelivery = oneOf(settings, "RESET_TOKEN_DELIVERY", "response", ["response", "email"] as const);
  const requireEmailVerification = boolVar(settings, "REQUIRE_EMAIL_VERIFICATION", false);
  if (mail.transport === "none" && resetTokenDelivery === "email") {
    throw new ConfigError("RESET_TOKEN_DELIVERY", "email", 'needs mail: set MAIL_TRANSPORT to "email-service" or "resend"');
  }
  if (mail.transport === "none" && requireEmailVerification) {
    throw new ConfigError("REQUIRE_EMAIL_VERIFICATION", "true", 'needs mail: set MAIL_TRANSPORT to "email-service" or "resend"');
  }
  return {
    mail,
    auth: {
      resetTokenDelivery,
      requireEmailVerification,
      sendsMail: mail.transport !== "none",
      bcryptCost: intVar(settings, "BCRYPT_COST", 10, 4, MAX_BCRYPT_COST),
      sessionLifetimeSeconds: intVar(settings, "SESSION_LIFETIME_SECONDS", 30 * DAY, 60, 400 * DAY),
      sessionIdleTimeoutSeconds: intVar(settings, "SESSION_IDLE_TIMEOUT_SECONDS", 7 * DAY, 60, 400 * DAY),
      resetTokenLifetimeSeconds: intVar(settings, "RESET_TOKEN_LIFETIME_SECONDS", 3600, 60, 7 * DAY),
      // At least 1: with 0 a failed login would never make the next one wait.
      loginBackoffMaxSeconds: intVar(settings, "LOGIN_BACKOFF_MAX_SECONDS", 300, 1, DAY),
      // 1 reproduces the seed's one session per user (a login ends the previous one).
      maxSessionsPerUser: intVar(settings, "MAX_SESSIONS_PER_USER", 10, 1, 100),
      publicUrl,
      appName: mail.appName,
      encryptionKey: encryptionKeyVar(settings, local),
      reauthWindowSeconds: intVar(settings, "REAUTH_WINDOW_SECONDS", 600, 30, DAY),
      passkeys,
      breachedPasswords: {
        // Off on a developer's machine (no network needed), on for every deployment, unless set.
        check: onOff(settings, "BREACHED_PASSWORD_CHECK", !local),
        url:
          raw(settings, "PWNED_PASSWORDS_URL") === undefined ? DEFAULT_PWNED_PASSWORDS_URL : rangeUrlVar(settings, "PWNED_PASSWORDS_URL"),
      },
      oidc: {
        signingKeys: signingKeysVar(settings, local),
        refreshReuseIntervalSeconds: intVar(settings, "REFRESH_TOKEN_REUSE_INTERVAL_SECONDS", 0, 0, 300),
      },
    },
    local,
    cookieDomain: cookieDomainVar(settings, host),
    signIn: readProviders(settings, local),
    passwordMinLength: intVar(settings, "PASSWORD_MIN_LENGTH", 1, 1, 72),
    allowedOrigins: originsVar(settings, "ALLOWED_ORIGINS"),
    logRequests: boolVar(settings, "LOG_REQUESTS", true),
    d1: {
      timeoutMs: intVar(settings, "D1_TIMEOUT_MS", DEFAULT_D1_TIMEOUT_MS, 50, 30_000),
      faults: shareVar(settings, "D1_FAULTS", 0, 0.5),
    },
  };
}
