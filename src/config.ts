import type { AuthOptions } from "./auth/auth";

export interface Config {
  auth: AuthOptions;
  /** Checked when a password is set (registration, reset), not at login. */
  passwordMinLength: number;
  /** Origins besides the service's own that may send state-changing requests, with CORS. */
  allowedOrigins: string[];
  logRequests: boolean;
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

/**
 * The typed settings, parsed from `[vars]` (wrangler.toml or .dev.vars). The Worker calls it per
 * request; every script calls it (through tsx) before it starts, so both refuse the same values.
 */
export function readConfig(settings: Settings): Config {
  return {
    auth: {
      bcryptCost: intVar(settings, "BCRYPT_COST", 10, 4, 15),
      sessionLifetimeSeconds: intVar(settings, "SESSION_LIFETIME_SECONDS", 30 * DAY, 60, 400 * DAY),
      sessionIdleTimeoutSeconds: intVar(settings, "SESSION_IDLE_TIMEOUT_SECONDS", 7 * DAY, 60, 400 * DAY),
      resetTokenLifetimeSeconds: intVar(settings, "RESET_TOKEN_LIFETIME_SECONDS", 3600, 60, 7 * DAY),
      // At least 1: with 0 a failed login would never make the next one wait.
      loginBackoffMaxSeconds: intVar(settings, "LOGIN_BACKOFF_MAX_SECONDS", 300, 1, DAY),
      // 1 reproduces the seed's one session per user (a login ends the previous one).
      maxSessionsPerUser: intVar(settings, "MAX_SESSIONS_PER_USER", 10, 1, 100),
    },
    passwordMinLength: intVar(settings, "PASSWORD_MIN_LENGTH", 1, 1, 72),
    allowedOrigins: originsVar(settings, "ALLOWED_ORIGINS"),
    logRequests: boolVar(settings, "LOG_REQUESTS", true),
  };
}
