import bcrypt from "bcryptjs";
import { env } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import { call, randomIp, register, uniqueEmail } from "../helpers";

// No login may cost more CPU than the highest BCRYPT_COST the settings accept (13): a stored
// hash above it (only a hand-written row could hold one) is not checked at all.
it("a stored hash dearer than BCRYPT_COST's bound is not checked: the login fails at once and says why", async () => {
  const email = uniqueEmail();
  await register(email, "pw");
  // Cost 14, made cheaply: bcryptjs reads the cost from the hash's prefix, so a real cost-14
  // hash would take seconds to check; this one would too, and must never be tried.
  const costly = (await bcrypt.hash("pw", 4)).replace(/^\$2b\$04\$/, "$2b$14$");
  await env.DB.prepare("UPDATE users SET hashed_password = ? WHERE email = ?").bind(costly, email).run();
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    const compare = vi.spyOn(bcrypt, "compare");
    const response = await call("POST", "/sessions", { form: { email, password: "pw" }, headers: { "CF-Connecting-IP": randomIp() } });
    expect(response.status).toBe(401);
    // Only the timing equaliser's compare ran, against a hash of the configured cost.
    for (const [, hash] of compare.mock.calls) expect(bcrypt.getRounds(hash as string)).toBeLessThanOrEqual(13);
    const lines = [...warn.mock.calls, ...log.mock.calls].map((args) => String(args[0]));
    expect(lines.some((line) => line.includes("bcrypt cost above 13"))).toBe(true);
    expect(lines.join("\n")).not.toContain(email);
  } finally {
    warn.mockRestore();
    log.mockRestore();
  }
});
