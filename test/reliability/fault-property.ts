import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { D1_TRANSIENT_MESSAGES, type D1TransientMessage, type Fault, faultyD1, MAYBE_RUN_MESSAGES } from "../../src/db/faults";
import { type CallOptions, call, sessionCookieOf } from "../helpers";
import { capturingEmail, MAIL_VARS } from "../mail";

/**
 * The D1 fault property, for any set of routes and any kind of scenario: each case runs the same
 * request twice, on two accounts seeded alike, once without faults (the reference) and once with
 * random ones (each documented transient error, before a call or after it ran, calls that hang
 * past the timeout or answer late). Then:
 *  - no 5xx but 503, and every 503 has Retry-After and sets no session cookie;
 *  - an answer other than 503 is the reference's answer, with the reference's effect;
 *  - after a 503 the state is either as before or the reference's: never half of it.
 * `snapshot` says what "the state" is, in the scenario's own terms.
 */

export const RUNS_PER_ROUTE = 10;

const fault: fc.Arbitrary<Fault> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(...(Object.keys(D1_TRANSIENT_MESSAGES) as D1TransientMessage[]))
      .map((message) => ({ timing: "before" as const, message })),
  },
  { weight: 4, arbitrary: fc.constantFrom(...MAYBE_RUN_MESSAGES).map((message) => ({ timing: "after" as const, message })) },
  { weight: 1, arbitrary: fc.constant<Fault>({ timing: "hang" }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ timing: "late", delayMs: 80 }) },
);
/** For each D1 call of the request in turn: a fault or none (most calls get through). */
const plan = fc.array(fc.option(fault, { freq: 3, nil: undefined }), { minLength: 1, maxLength: 8 });

const mail = capturingEmail();
// Mail on, so verification and address change are live; a short timeout, so hangs end quickly.
const vars = { ...MAIL_VARS, D1_TIMEOUT_MS: "50" };

export type Route<S> = (s: S) => [string, string, CallOptions] | Promise<[string, string, CallOptions]>;

async function send<S>(s: S, route: Route<S>, faults?: (Fault | undefined)[]) {
  const [method, path, options] = await route(s);
  const DB = faults ? faultyD1(env.DB, (n) => faults[n]) : env.DB;
  const response = await call(method, path, { ...options, vars: { ...vars, ...options.vars }, bindings: { EMAIL: mail.binding, DB } });
  await response.arrayBuffer();
  // A "late" call runs after the answer: let it land before looking.
  if (faults?.some((f) => f?.timing === "late")) await new Promise((resolve) => setTimeout(resolve, 120));
  return response;
}

/** Declares one test per route, and one that the faults reached the database. */
export function faultProperty<S>(
  title: string,
  routes: [string, Route<S>, number?][],
  seed: (tag: string) => Promise<S>,
  snapshot: (s: S) => Promise<unknown>,
) {
  let warn: ReturnType<typeof vi.spyOn>;
  let info: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    // One warn line per failed attempt is the point (tested elsewhere); the report need not show hundreds of them.
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // Nor the mail lines ("sent") of every twin run.
    info = vi.spyOn(console, "log").mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
    info.mockRestore();
  });

  let total503 = 0;
  describe(title, () => {
    for (const [name, route, answer] of routes) {
      it(name, async () => {
        let saw503 = 0;
        await fc.assert(
          fc.asyncProperty(plan, async (faults) => {
            const reference = await seed("ref");
            const before = await snapshot(reference);
            const expected = await send(reference, route);
            const done = await snapshot(reference);
            expect(expected.status, `${name} without faults`).toBeLessThan(500);
            // The reference does what the route is for (a test of refusals would prove little).
            if (answer !== undefined) expect(expected.status, `${name} without faults`).toBe(answer);

            const faulty = await seed("faulty");
            const response = await send(faulty, route, faults);
            const after = await snapshot(faulty);
            const status = response.status;
            expect(status === 503 || status < 500, `${name}: ${status}`).toBe(true);
            if (status === 503) {
              saw503 += 1;
              expect(response.headers.get("retry-after")).toBe("1");
              expect(sessionCookieOf(response) ?? "").toBe("");
              expect([before, done], `${name}: 503 left half a change`).toContainEqual(after);
            } else {
              expect(status, `${name}: answered differently under faults`).toBe(expected.status);
              expect(after, `${name}: answered ${status} with another effect`).toEqual(done);
            }
          }),
          { numRuns: RUNS_PER_ROUTE },
        );
        total503 += saw503;
      });
    }

    it("the faults reached the database: some requests could not be finished and said so", () => {
      expect(total503).toBeGreaterThan(routes.length / 2);
    });
  });
}
