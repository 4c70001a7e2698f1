import { eq, getTableColumns } from "drizzle-orm";
import { InvalidRequestError, UnknownColumnError } from "./errors";
import { type User, users } from "./schema";
import type { Drizzle } from "./store";

/**
 * users' row mapping and the column whitelist: only column names from the Drizzle schema ever
 * reach SQL, so every key a caller passes is checked against it first. The statements on users
 * are DB's (db.ts); a few small reads here serve the other stores' checks after a lost answer.
 */

export type UserColumn = keyof User;
export type UserFilters = Partial<User>;
export type UserChanges = Partial<Omit<User, "id">>;

export const userColumns = getTableColumns(users);

/** A row as D1 returns it (SQL column names) to the schema's User (TypeScript names). */
export function toUser(row: Record<string, unknown>): User {
  const user: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(userColumns)) user[key] = row[column.name] ?? null;
  return user as User;
}

function isUserColumn(key: string): key is UserColumn {
  return Object.hasOwn(userColumns, key);
}

/** Refuses any key that is not an updatable column of users. */
export function checkChanges(changes: object): void {
  for (const key of Object.keys(changes)) {
    if (!isUserColumn(key) || key === "id") throw new UnknownColumnError(`users has no updatable column '${key}'`);
  }
}

/** The filter's columns, in a stable order, once each is known to be a real column. */
export function checkFilters(filters: UserFilters): UserColumn[] {
  const entries = Object.entries(filters);
  if (entries.length === 0) throw new InvalidRequestError("findUserBy needs at least one column");
  for (const [key, value] of entries) {
    if (!isUserColumn(key)) throw new InvalidRequestError(`users has no column '${key}'`);
    // `column = NULL` is never true in SQL, but a caller passing null most likely meant
    // "not set" and could match the wrong row if we rewrote it to IS NULL. Refuse instead.
    if (value === null || value === undefined) throw new InvalidRequestError(`'${key}' cannot be matched against null`);
  }
  return (Object.keys(filters) as UserColumn[]).sort();
}

/** The user with this address, or null (for the checks after a lost answer). */
export async function userByEmail(db: Drizzle, email: string): Promise<User | null> {
  return (await db.select().from(users).where(eq(users.email, email)).limit(1))[0] ?? null;
}

/** The user's stored password hash, or null when there is no such user. */
export async function hashOf(db: Drizzle, userId: number): Promise<string | null> {
  const [row] = await db.select({ hash: users.hashedPassword }).from(users).where(eq(users.id, userId)).limit(1);
  return row?.hash ?? null;
}

/** A user's public id: 128 random bits in hex, as migration 0008's trigger makes one. */
export function newPublicId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
