import { type D1Config, ConfigError } from "../config";
import { faultyD1, randomFaults } from "./faults";

/**
 * Set (to true) only by the build `npm run stress -- --faults` makes (wrangler's --define);
 * wrangler.toml defines it false, so the minifier drops the fault layer from every other build.
 */
declare const EDGE_AUTH_FAULTS_BUILD: boolean | undefined;

/** The D1 binding a request (or the cron job) uses: failing on purpose in a fault-test build when D1_FAULTS says so. */
export function d1Binding(d1: D1Database, config: D1Config): D1Database {
  if (config.faults === 0) return d1;
  if (typeof EDGE_AUTH_FAULTS_BUILD === "boolean" && EDGE_AUTH_FAULTS_BUILD) {
    return faultyD1(d1, randomFaults(config.faults, config.timeoutMs * 2));
  }
  throw new ConfigError("D1_FAULTS", String(config.faults), "must not be set outside a fault-test build (npm run stress -- --faults)");
}
