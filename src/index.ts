import { app } from "./app";
import { scheduled } from "./jobs/clean-up";

export type { AppType } from "./app";
export { AuthService } from "./service";
export type { VerifiedAccessToken, VerifiedSession } from "./service";

/** The Worker: the Hono app for requests, the daily clean-up for its Cron Trigger. */
export default {
  fetch: app.fetch,
  scheduled,
} satisfies ExportedHandler<Env>;
