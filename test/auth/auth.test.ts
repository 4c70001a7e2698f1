import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { InvalidResetToken, UnknownEmail, UserAlreadyExists } from "../../src/auth/errors";
import { makeAuth, makeDb, uniqueEmail } from "../helpers";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("Auth.hashPassword", () => {
  it("makes a salted $2b$ bcrypt hash at the configured cost", async () => {
    const auth = makeAuth({ bcryptCost: 5 });
    const a = await auth.hashPassword("secret");
    const b = await auth.hashPassword("secret");
    expect(a).toMatch(/^\$2b\$05\$[./A-Za-z0-9]{53}$/);
    expect(a).not.toBe(b);
    expect(await bcrypt.compare("secret", a)).toBe(true);
    expect(await bcrypt.compare("Secret", a)).toBe(false);
  });

  it("verifies hashes made by Python's bcrypt", async () => {
    // bcrypt.hashpw(b"python-made", bcrypt.gensalt(4)) from Debian's python3-bcrypt.
    const pythonHash = "$2b$04$vRSxaPRVTKAHi3diupEjvuq1ZYemSW0DQCBADEetKwptKMZxFVSZi";
    expect(await bcrypt.compare("python-made", pythonHash)).toBe(true);
  });
});

describe("Auth.registerUser", () => {
  it("stores a hash, never the password, and returns the user", async () => {
    const auth = makeAuth();
    const email = uniqueEmail();
    const user = await auth.registerUser(email, "pw-123");
    expect(user.email).toBe(email);
    expect(user.hashedPassword).not.toContain("pw-123");
    expect(await bcrypt.compare("pw-123", user.hashedPassword)).toBe(true);
  });

  it("throws `User <email> already exists` for a taken email", async () => {
    const auth = makeAuth();
    const email = uniqueEmail();
    await auth.registerUser(email, "a");
    await expect(auth.registerUser(email, "b")).rejects.toThrow(new UserAlreadyExists(email));
    await expect(auth.registerUser(email, "b")).rejects.toThrow(`User ${email} already exists`);
  });
});

describe("Auth.validLogin", () => {
  it("is true for the right password and false otherwise", async () => {
    const auth = makeAuth();
    const email = uniqueEmail();
    await auth.registerUser(email, "right");
    expect(await auth.validLogin(email, "right")).toBe(true);
    expect(await auth.validLogin(email, "wrong")).toBe(false);
    expect(await auth.validLogin(email, "")).toBe(false);
  });

  it("is false for an unknown email", async () => {
    expect(await makeAuth().validLogin(uniqueEmail(), "anything")).toBe(false);
  });
});

describe("Auth.generateUuid", () => {
  it("returns distinct UUID v4 strings", () => {
    const auth = makeAuth();
    const ids = new Set(Array.from({ length: 50 }, () => auth.generateUuid()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });
});

describe("Auth sessions", () => {
  it("createSession returns a new id each time and getUserFromSessionId finds its user", async () => {
    const auth = makeAuth();
    const email = uniqueEmail();
    const user = await auth.registerUser(email, "pw");
    const first = await auth.createSession(email);
    const second = await auth.createSession(email);
    expect(first).toMatch(UUID_V4);
    expect(second).not.toBe(first);
    expect((await auth.getUserFromSessionId(second))?.id).toBe(user.id);
  });

  it("createSession returns null for an unknown email", async () => {
    expect(await makeAuth().createSession(uniqueEmail())).toBeNull();
  });

  it("getUserFromSessionId returns null for missing, empty and unknown ids", async () => {
    const auth = makeAuth();
    expect(await auth.getUserFromSessionId(undefined)).toBeNull();
    expect(await auth.getUserFromSessionId(null)).toBeNull();
    expect(await auth.getUserFromSessionId("")).toBeNull();
    expect(await auth.getUserFromSessionId(crypto.randomUUID())).toBeNull();
  });

  it("destroySession ends every session of the user", async () => {
    const auth = makeAuth();
    const email = uniqueEmail();
    const user = await auth.registerUser(email, "pw");
    const first = await auth.createSession(email);
    const second = await auth.createSession(email);
    expect(await auth.getUserFromSessionId(first)).not.toBeNull();
    await auth.destroySession(user.id);
    expect(await auth.getUserFromSessionId(first)).toBeNull();
    expect(await auth.getUserFromSessionId(second)).toBeNull();
  });
});

describe("Auth password reset", () => {
  it("getResetPasswordToken stores and returns a new token", async () => {
    const auth = makeAuth();
    const email = uniqueEmail();
    await auth.registerUser(email, "pw");
    const first = await auth.getResetPasswordToken(email);
    const second = await auth.getResetPasswordToken(email);
    expect(first).toMatch(UUID_V4);
    expect(second).not.toBe(first);
  });

  it("getResetPasswordToken throws for an unknown email", async () => {
    await expect(makeAuth().getResetPasswordToken(uniqueEmail())).rejects.toThrow(UnknownEmail);
  });

  it("updatePassword sets the new password and spends the token", async () => {
    const auth = makeAuth();
    const email = uniqueEmail();
    await auth.registerUser(email, "old");
    const token = await auth.getResetPasswordToken(email);
    await auth.updatePassword(token, "new");
    expect(await auth.validLogin(email, "new")).toBe(true);
    expect(await auth.validLogin(email, "old")).toBe(false);
    await expect(auth.updatePassword(token, "again")).rejects.toThrow(InvalidResetToken);
    expect(await auth.validLogin(email, "new")).toBe(true);
  });

  it("updatePassword throws for unknown and empty tokens", async () => {
    const auth = makeAuth();
    await expect(auth.updatePassword(crypto.randomUUID(), "x")).rejects.toThrow(InvalidResetToken);
    await expect(auth.updatePassword("", "x")).rejects.toThrow(InvalidResetToken);
  });

  it("updatePassword refuses a token presented with another user's email", async () => {
    const auth = makeAuth();
    const owner = uniqueEmail();
    const other = uniqueEmail();
    await auth.registerUser(owner, "pw");
    await auth.registerUser(other, "pw");
    const token = await auth.getResetPasswordToken(owner);
    await expect(auth.updatePassword(token, "stolen", other)).rejects.toThrow(InvalidResetToken);
    expect(await auth.validLogin(other, "pw")).toBe(true);
    await auth.updatePassword(token, "mine", owner);
    expect(await auth.validLogin(owner, "mine")).toBe(true);
  });
});
