import { expect, it } from "vitest";
import * as authErrors from "../../src/auth/errors";
import * as dbErrors from "../../src/db/errors";
import { ProviderFailed } from "../../src/auth/social";
import { ConfigError } from "../../src/config";
import { FaultLayerMissing } from "../../src/db/binding";
import { D1Timeout } from "../../src/db/resilience";
import { ServiceUnavailable } from "../../src/http/errors";
import { CleanUpFailed } from "../../src/jobs/clean-up";
import { MailError } from "../../src/mail/mailer";

// The bundle is minified without keep_names (wrangler.toml), so a class's own name is a minified
// `_e` there: each error class must set `name` itself for log lines to name it (src/log.ts).
const classes: Record<string, unknown> = {
  ...authErrors,
  ...dbErrors,
  ProviderFailed,
  ConfigError,
  FaultLayerMissing,
  D1Timeout,
  ServiceUnavailable,
  CleanUpFailed,
  MailError,
};

it.each(
  Object.entries(classes).filter(
    ([, value]) => typeof value === "function" && (value as { prototype: unknown }).prototype instanceof Error,
  ),
)("%s names itself", (exported, Class) => {
  const error = Reflect.construct(Class as new (...args: unknown[]) => Error, ["x", "required", "x", 1]);
  expect(error.name).toBe(exported);
});
