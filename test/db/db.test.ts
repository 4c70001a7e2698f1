import { describe, expect, it } from "vitest";
import { InvalidRequestError, NoResultFound, UnknownColumnError, UserAlreadyExists } from "../../src/auth/errors";
import { makeDb, uniqueEmail } from "../helpers";

describe("DB.addUser", () => {
  it("saves and returns the user with an id and created_at", async () => {
    const db = makeDb();
    const email = uniqueEmail();
    const user = await db.addUser(email, "hashed");
    expect(user.id).toBeGreaterThan(0);
    expect(user).toMatchObject({ email, hashedPassword: "hashed", resetToken: null, failedLoginCount: 0 });
    expect(user.createdAt).toBeGreaterThan(1_700_000_000);
    expect(await db.findUserBy({ id: user.id })).toEqual(user);
  });

  it("gives each user its own id", async () => {
    const db = makeDb();
    const a = await db.addUser(uniqueEmail(), "h1");
    const b = await db.addUser(uniqueEmail(), "h2");
    expect(b.id).not.toBe(a.id);
  });

  it("rejects a second user with the same email through the unique index", async () => {
    const db = makeDb();
    const email = uniqueEmail();
    await db.addUser(email, "h1");
    await expect(db.addUser(email, "h2")).rejects.toThrow(UserAlreadyExists);
    await expect(db.addUser(email, "h2")).rejects.toThrow(`User ${email} already exists`);
  });
});

describe("DB.findUserBy", () => {
  it("finds by one column and by several", async () => {
    const db = makeDb();
    const email = uniqueEmail();
    const user = await db.addUser(email, "hash-x");
    expect((await db.findUserBy({ email })).id).toBe(user.id);
    expect((await db.findUserBy({ email, hashedPassword: "hash-x" })).id).toBe(user.id);
  });

  it("throws NoResultFound when nothing matches", async () => {
    const db = makeDb();
    await expect(db.findUserBy({ email: uniqueEmail() })).rejects.toThrow(NoResultFound);
    const email = uniqueEmail();
    await db.addUser(email, "hash-y");
    await expect(db.findUserBy({ email, hashedPassword: "other" })).rejects.toThrow(NoResultFound);
  });

  it("throws InvalidRequestError for an unknown column", async () => {
    const db = makeDb();
    await expect(db.findUserBy({ no_email: "x" } as never)).rejects.toThrow(InvalidRequestError);
    // snake_case SQL names are not keys: the TypeScript names are the whitelist.
    await expect(db.findUserBy({ hashed_password: "x" } as never)).rejects.toThrow(InvalidRequestError);
  });

  it("throws InvalidRequestError when no column is given", async () => {
    await expect(makeDb().findUserBy({})).rejects.toThrow(InvalidRequestError);
  });

  it("refuses null filters instead of matching rows whose column is NULL", async () => {
    const db = makeDb();
    await db.addUser(uniqueEmail(), "h");
    await expect(db.findUserBy({ resetToken: null })).rejects.toThrow(InvalidRequestError);
    await expect(db.findUserBy({ resetToken: undefined })).rejects.toThrow(InvalidRequestError);
  });

  it("treats key names as data, never as SQL", async () => {
    const db = makeDb();
    await expect(db.findUserBy({ "email = email OR 1": "x" } as never)).rejects.toThrow(InvalidRequestError);
    await expect(db.findUserBy({ email: "' OR '1'='1" })).rejects.toThrow(NoResultFound);
  });
});

describe("DB.updateUser", () => {
  it("applies the changes and saves them", async () => {
    const db = makeDb();
    const user = await db.addUser(uniqueEmail(), "old");
    await db.updateUser(user.id, { hashedPassword: "new", resetToken: "t-1" });
    expect(await db.findUserBy({ id: user.id })).toMatchObject({ hashedPassword: "new", resetToken: "t-1" });
    await db.updateUser(user.id, { resetToken: null });
    expect((await db.findUserBy({ id: user.id })).resetToken).toBeNull();
  });

  it("throws UnknownColumnError for an unknown column and changes nothing", async () => {
    const db = makeDb();
    const user = await db.addUser(uniqueEmail(), "keep");
    await expect(db.updateUser(user.id, { hashedPassword: "x", nope: 1 } as never)).rejects.toThrow(UnknownColumnError);
    expect((await db.findUserBy({ id: user.id })).hashedPassword).toBe("keep");
  });

  it("does not let the primary key be rewritten", async () => {
    const db = makeDb();
    const user = await db.addUser(uniqueEmail(), "h");
    await expect(db.updateUser(user.id, { id: 999_999 } as never)).rejects.toThrow(UnknownColumnError);
  });

  it("throws NoResultFound for an unknown user id", async () => {
    await expect(makeDb().updateUser(987_654_321, { resetToken: "x" })).rejects.toThrow(NoResultFound);
  });
});

describe("DB.startSession", () => {
  const session = (secretHash: string) => ({
    id: crypto.randomUUID().replaceAll("-", ""),
    secretHash,
    createdAt: 1_900_000_000,
    expiresAt: 2e9,
    idleExpiresAt: 2e9,
    lastUsedAt: 1_900_000_000,
    device: null,
    country: null,
  });

  it("opens no session when the password hash changed since it was verified", async () => {
    const db = makeDb();
    const user = await db.addUser(uniqueEmail(), "hash-before");
    await db.updateUser(user.id, { hashedPassword: "hash-after-reset" });
    const digest = crypto.randomUUID();
    expect(await db.sessions.startSession(user.id, session(digest), 10, { hashedPassword: "rehash-of-old" }, "hash-before")).toBe(false);
    expect(await db.sessions.findSession(digest)).toBeNull();
    expect((await db.findUserBy({ id: user.id })).hashedPassword).toBe("hash-after-reset");
    expect(await db.sessions.startSession(user.id, session(digest), 10, {}, "hash-after-reset")).toBe(true);
    expect((await db.sessions.findSession(digest))?.user.id).toBe(user.id);
  });

  it("keeps the user's most recently used sessions up to the cap, in the same batch", async () => {
    const db = makeDb();
    const user = await db.addUser(uniqueEmail(), "h");
    const digests = Array.from({ length: 4 }, () => crypto.randomUUID());
    for (const [i, digest] of digests.entries()) {
      await db.sessions.startSession(user.id, { ...session(digest), lastUsedAt: 1_900_000_000 + i }, 3);
    }
    expect(await db.sessions.findSession(digests[0]!)).toBeNull();
    for (const digest of digests.slice(1)) expect(await db.sessions.findSession(digest)).not.toBeNull();
  });

  it("deleting a user deletes its sessions (foreign key, ON DELETE CASCADE)", async () => {
    const db = makeDb();
    const user = await db.addUser(uniqueEmail(), "h");
    const digest = crypto.randomUUID();
    await db.sessions.startSession(user.id, session(digest), 10);
    expect(await db.deleteUser(user.id, "h")).toBe(true);
    expect(await db.sessions.findSession(digest)).toBeNull();
  });
});
