import type { AuthOptions } from "./auth/auth";

export interface Config {
  auth: AuthOptions;
  /** Checked when a password is set (registration, reset), not at login. */
  passwordMinLength: number;
  /** Origins besides the service's own that may send state-changing requests. */
  allowedOrigins: string[];
}

const DAY = 24 * 60 * 60;

/** Reads an integer var, falling back to `fallback` when unset and refusing nonsense. */
function intVar(env: Env, name: keyof Env, fallback: number, min: number, max: number): number {
  const raw = env[name] as unknown;
  if (raw === undefined || raw === null || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${String(name)} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** The typed options of one request, parsed from `[vars]` (wrangler.toml or .dev.vars). */
export function readConfig(env: Env): Config {
  return {
    auth: {
      bcryptCost: intVar(env, "BCRYPT_COST", 10, 4, 15),
      sessionLifetimeSeconds: intVar(env, "SESSION_LIFETIME_SECONDS", 30 * DAY, 60, 400 * DAY),
      sessionIdleTimeoutSeconds: intVar(env, "SESSION_IDLE_TIMEOUT_SECONDS", 7 * DAY, 60, 400 * DAY),
      resetTokenLifetimeSeconds: intVar(env, "RESET_TOKEN_LIFETIME_SECONDS", 3600, 60, 7 * DAY),
      loginBackoffMaxSeconds: intVar(env, "LOGIN_BACKOFF_MAX_SECONDS", 300, 0, DAY),
    },
    passwordMinLength: intVar(env, "PASSWORD_MIN_LENGTH", 1, 1, 72),
    allowedOrigins: String(env.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
  };
}
