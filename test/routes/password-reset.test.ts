import { describe, expect, it } from "vitest";
import { call, register, uniqueEmail } from "../helpers";

async function resetToken(email: string): Promise<string> {
  const response = await call("POST", "/reset_password", { form: { email } });
  return ((await response.json()) as { reset_token: string }).reset_token;
}

describe("POST /reset_password", () => {
  it("answers 200 with exactly email and reset_token", async () => {
    const email = uniqueEmail();
    await register(email);
    const response = await call("POST", "/reset_password", { form: { email } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(["email", "reset_token"]);
    expect(body.email).toBe(email);
    expect(body.reset_token).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers 403 for an unknown email and 400 without one", async () => {
    expect((await call("POST", "/reset_password", { form: { email: uniqueEmail() } })).status).toBe(403);
    const missing = await call("POST", "/reset_password", { form: {} });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toStrictEqual({ message: "email is required" });
  });
});

describe("PUT /reset_password", () => {
  it("updates the password: 200 with exactly email and message", async () => {
    const email = uniqueEmail();
    await register(email, "old");
    const token = await resetToken(email);
    const response = await call("PUT", "/reset_password", { form: { email, reset_token: token, new_password: "new" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toStrictEqual({ email, message: "Password updated" });
    expect((await call("POST", "/sessions", { form: { email, password: "new" } })).status).toBe(200);
  });

  it("answers 403 for an unknown token, a used token and another user's token", async () => {
    const email = uniqueEmail();
    const other = uniqueEmail();
    await register(email, "old");
    await register(other, "old");
    expect((await call("PUT", "/reset_password", { form: { email, reset_token: crypto.randomUUID(), new_password: "x" } })).status).toBe(
      403,
    );

    const token = await resetToken(email);
    expect((await call("PUT", "/reset_password", { form: { email: other, reset_token: token, new_password: "x" } })).status).toBe(403);
    expect((await call("PUT", "/reset_password", { form: { email, reset_token: token, new_password: "x" } })).status).toBe(200);
    const reused = await call("PUT", "/reset_password", { form: { email, reset_token: token, new_password: "y" } });
    expect(reused.status).toBe(403);
    expect(await reused.json()).toHaveProperty("message");
  });

  it.each(["email", "reset_token", "new_password"])("answers 400 when %s is missing", async (field) => {
    const form: Record<string, string> = { email: "a@b.example", reset_token: "t", new_password: "p" };
    delete form[field];
    const response = await call("PUT", "/reset_password", { form });
    expect(response.status).toBe(400);
    expect(await response.json()).toStrictEqual({ message: `${field} is required` });
  });
});
