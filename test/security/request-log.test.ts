import { expect, it, vi } from "vitest";
import { call, sessionCookieOf, uniqueEmail } from "../helpers";

it("logs one JSON line per request with method, path, status, duration and request id, and no secrets", async () => {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
  try {
    const vars = { LOG_REQUESTS: "true" };
    const email = uniqueEmail();
    const password = "s3cret-Pa55";
    await call("POST", "/users", { form: { email, password }, vars });
    const login = await call("POST", "/sessions", { form: { email, password }, vars });
    const sessionId = sessionCookieOf(login)!;
    const reset = await call("POST", "/reset_password", { form: { email }, vars });
    const { reset_token } = (await reset.json()) as { reset_token: string };
    await call("GET", `/account/reset?email=x&reset_token=${reset_token}`, { vars });
    await call("GET", "/profile", { cookie: `session_id=${sessionId}`, vars });

    expect(lines).toHaveLength(5);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      "POST /users 200",
      "POST /sessions 200",
      "POST /reset_password 200",
      "GET /account/reset 200",
      "GET /profile 200",
    ]);
    for (const entry of entries) {
      expect(Object.keys(entry).sort()).toEqual(["durationMs", "level", "method", "path", "requestId", "status"]);
      expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    const all = lines.join("\n");
    for (const secret of [password, sessionId, reset_token]) expect(all).not.toContain(secret);
  } finally {
    log.mockRestore();
  }
});

it("LOG_REQUESTS = false as a TOML boolean turns the log off too", async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await call("GET", "/", { vars: { LOG_REQUESTS: false as unknown as string } });
    expect(log).not.toHaveBeenCalled();
  } finally {
    log.mockRestore();
  }
});
