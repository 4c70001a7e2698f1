import { faultyD1, randomFaults } from "./faults";

/**
 * Set (to true) only by the build `npm run stress -- --faults` makes (wrangler's --define);
 * wrangler.toml defines it false, so the minifier drops the fault layer from every other build.
 */
declare const EDGE_AUTH_FAULTS_BUILD: boolean | undefined;

/** How the service talks to D1 (src/db/resilience.ts); config.ts reads it from the settings. */
export interface D1Options {
  /** A D1 call that has not answered after this long counts as failed (it may still have run). */
  timeoutMs: number;
  /**
   * The share of D1 calls that fail on purpose (0 to 0.5): only in a build made for fault tests
   * (`npm run stress -- --faults`); any other build refuses it (FaultLayerMissing).
   */
  faults: number;
}

/** D1_FAULTS is set, but this build has no fault layer: the Worker answers 503 and logs the name. */
export class FaultLayerMissing extends Error {
  readonly variable = "D1_FAULTS";
  readonly allowed = "must not be set outside a fault-test build (npm run stress -- --faults)";
  constructor() {
    super("D1_FAULTS is set in a build without the fault layer");
    this.name = "FaultLayerMissing";
  }
}

/** The D1 binding a request (or the cron job) uses: failing on purpose in a fault-test build when D1_FAULTS says so. */
export function d1Binding(d1: D1Database, options: D1Options): D1Database {
  if (options.faults === 0) return d1;
  if (typeof EDGE_AUTH_FAULTS_BUILD === "boolean" && EDGE_AUTH_FAULTS_BUILD) {
    return faultyD1(d1, randomFaults(options.faults, options.timeoutMs * 2));
  }
  throw new FaultLayerMissing();
}
