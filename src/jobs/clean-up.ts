import { Auth } from "../auth/auth";
import { ConfigError, readConfig } from "../config";
import { DB } from "../db/db";
import { d1Binding, FaultLayerMissing } from "../db/binding";
import { logLine, summarizeError } from "../log";

/**
 * The daily Cron Trigger (wrangler.toml [triggers]): deletes ended sessions, expired reset tokens
 * and clients not seen for a year, in bounded rounds, and logs one line of counts. Nothing here
 * is needed for correctness (every read checks deadlines); it keeps the tables small.
 */
export async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  try {
    const config = readConfig(env);
    const db = new DB(d1Binding(env.DB, config.d1), {
      requestId: `cron:${controller.scheduledTime}`,
      timeoutMs: config.d1.timeoutMs,
    });
    const auth = new Auth(db, config.auth);
    const removed = await auth.cleanUp();
    logLine("info", { job: "clean-up", cron: controller.cron, ...removed });
  } catch (error) {
    const details =
      error instanceof ConfigError || error instanceof FaultLayerMissing
        ? { error: error.name, variable: error.variable }
        : summarizeError(error);
    logLine("error", { job: "clean-up", cron: controller.cron, ...details });
    // The run must count as failed (Cron Trigger history, `npm run clean-up`'s exit code), but
    // the runtime logs what is thrown with its message, which may quote values: a new error says
    // only that, after the line above. Tomorrow's run tries again.
    throw new CleanUpFailed();
  }
}

/** What the scheduled handler throws after logging a failure: its message holds nothing else. */
export class CleanUpFailed extends Error {
  constructor() {
    super("clean-up failed: see the log line before this one");
    this.name = "CleanUpFailed";
  }
}
