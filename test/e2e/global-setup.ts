import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { buildBundle } from "../../scripts/lib/local-server.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    bundle: string;
  }
}

/** Builds the production bundle once for every end-to-end file. */
export default function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "edge-auth-bundle-"));
  project.provide("bundle", buildBundle(dir));
  return () => rmSync(dir, { recursive: true, force: true });
}
