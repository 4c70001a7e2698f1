import type { AuthOptions } from "./auth/auth";

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
export function readConfig(env: Env): AuthOptions {
  return {
    bcryptCost: intVar(env, "BCRYPT_COST", 10, 4, 15),
  };
}
