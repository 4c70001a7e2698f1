import bcrypt from "bcryptjs";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { call, makeAuth, register, uniqueEmail } from "../helpers";

describe("emails", () => {
  it("are trimmed and lower-cased before storage and lookup", async () => {
    const local = uniqueEmail().split("@")[0]!;
    const response = await register(`  ${local.toUpperCase()}@Example.COM `, "pw");
    expect(await response.json()).toStrictEqual({ email: `${local}@example.com`, message: "user created" });
    expect((await register(`${local}@example.com`)).status).toBe(400);
    const login = await call("POST", "/sessions", { form: { email: `${local.toUpperCase()}@EXAMPLE.com`, password: "pw" } });
    expect(login.status).toBe(200);
    const row = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email LIKE ?").bind(`${local}@%`).first();
    expect(row).toEqual({ n: 1 });
  });

  it("twenty concurrent registrations of one address give one 200 and nineteen 400s", async () => {
    const email = uniqueEmail();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => register(i % 2 ? email.toUpperCase() : email, `pw${i}`)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(400)]);
    for (const r of responses.filter((r) => r.status === 400)) {
      expect(await r.json()).toStrictEqual({ message: "email already registered" });
    }
  });
});

describe("password rules", () => {
  const seventyTwoBytes = "é".repeat(36); // 2 bytes each in UTF-8

  it("accepts 72 UTF-8 bytes and refuses 73 with a 400", async () => {
    expect((await register(uniqueEmail(), seventyTwoBytes)).status).toBe(200);
    const tooLong = await register(uniqueEmail(), `${seventyTwoBytes}a`);
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toStrictEqual({ message: "password is longer than 72 bytes" });
  });

  it("applies the 72-byte limit at login and on reset too", async () => {
    const email = uniqueEmail();
    await register(email, "pw");
    expect((await call("POST", "/sessions", { form: { email, password: "x".repeat(73) } })).status).toBe(400);
    const put = await call("PUT", "/reset_password", { form: { email, reset_token: "t", new_password: "x".repeat(73) } });
    expect(put.status).toBe(400);
  });

  it("accepts a one-character password by default (existing clients use short ones)", async () => {
    expect((await register(uniqueEmail(), "p")).status).toBe(200);
  });

  it("PASSWORD_MIN_LENGTH makes registration and reset demand more", async () => {
    const vars = { PASSWORD_MIN_LENGTH: "8" };
    const short = await call("POST", "/users", { form: { email: uniqueEmail(), password: "1234567" }, vars });
    expect(short.status).toBe(400);
    expect(await short.json()).toStrictEqual({ message: "password must be at least 8 characters" });
    const email = uniqueEmail();
    expect((await call("POST", "/users", { form: { email, password: "12345678" }, vars })).status).toBe(200);
    const put = await call("PUT", "/reset_password", { form: { email, reset_token: "t", new_password: "short" }, vars });
    expect(put.status).toBe(400);
  });
});

describe("bcrypt work", () => {
  it("an unknown email costs the same bcrypt comparison as a wrong password", async () => {
    const auth = makeAuth({ bcryptCost: 6 });
    const email = uniqueEmail();
    await makeAuth({ bcryptCost: 6 }).registerUser(email, "pw");
    const compare = vi.spyOn(bcrypt, "compare");
    try {
      expect(await auth.validLogin(uniqueEmail(), "pw")).toBe(false);
      await expect(auth.logIn(uniqueEmail(), "pw")).rejects.toThrow();
      await expect(auth.logIn(email, "wrong")).rejects.toThrow();
      expect(compare).toHaveBeenCalledTimes(3);
      for (const [, hash] of compare.mock.calls) expect(bcrypt.getRounds(hash as string)).toBe(6);
    } finally {
      compare.mockRestore();
    }
  });

  it("a raised BCRYPT_COST re-hashes the password at the next successful login", async () => {
    const email = uniqueEmail();
    await register(email, "pw"); // at the test cost, 4
    const before = await env.DB.prepare("SELECT hashed_password AS h FROM users WHERE email = ?").bind(email).first<{ h: string }>();
    expect(bcrypt.getRounds(before!.h)).toBe(4);

    expect((await call("POST", "/sessions", { form: { email, password: "wrong" }, vars: { BCRYPT_COST: "5" } })).status).toBe(401);
    const afterFailure = await env.DB.prepare("SELECT hashed_password AS h FROM users WHERE email = ?").bind(email).first<{ h: string }>();
    expect(afterFailure!.h).toBe(before!.h);

    expect((await call("POST", "/sessions", { form: { email, password: "pw" }, vars: { BCRYPT_COST: "5" } })).status).toBe(200);
    const after = await env.DB.prepare("SELECT hashed_password AS h FROM users WHERE email = ?").bind(email).first<{ h: string }>();
    expect(bcrypt.getRounds(after!.h)).toBe(5);
    expect(await bcrypt.compare("pw", after!.h)).toBe(true);
    expect((await call("POST", "/sessions", { form: { email, password: "pw" } })).status).toBe(200);
  });
});
