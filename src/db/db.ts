import { and, eq, getTableColumns, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { InvalidRequestError, NoResultFound, UnknownColumnError, UserAlreadyExists } from "../auth/errors";
import { users, type User } from "./schema";

export type UserColumn = keyof User;
export type UserFilters = Partial<User>;
export type UserChanges = Partial<Omit<User, "id">>;

const userColumns = getTableColumns(users);

function isUserColumn(key: string): key is UserColumn {
  return Object.hasOwn(userColumns, key);
}

/** SQLite's message for a UNIQUE violation; D1 wraps it but keeps the text. */
function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Data access for users. Only column names from the Drizzle schema ever reach SQL: every key a
 * caller passes is checked against that whitelist first.
 */
export class DB {
  constructor(private readonly db: DrizzleD1Database) {}

  /** Inserts a user. The unique index on email, not a prior SELECT, rejects duplicates. */
  async addUser(email: string, hashedPassword: string): Promise<User> {
    try {
      const [user] = await this.db.insert(users).values({ email, hashedPassword }).returning();
      return user!;
    } catch (error) {
      if (isUniqueViolation(error)) throw new UserAlreadyExists(email);
      throw error;
    }
  }

  /** The first user matching every given column. */
  async findUserBy(filters: UserFilters): Promise<User> {
    const [user] = await this.db.select().from(users).where(this.whereAll(filters)).limit(1);
    if (!user) throw new NoResultFound("No user matches the given filters");
    return user;
  }

  /** Applies `changes` to the user with `userId`; unknown columns change nothing. */
  async updateUser(userId: number, changes: UserChanges): Promise<void> {
    const keys = Object.keys(changes);
    for (const key of keys) {
      if (!isUserColumn(key) || key === "id") throw new UnknownColumnError(`users has no updatable column '${key}'`);
    }
    const user = await this.findUserBy({ id: userId });
    if (keys.length === 0) return;
    await this.db.update(users).set(changes).where(eq(users.id, user.id));
  }

  private whereAll(filters: UserFilters): SQL {
    const entries = Object.entries(filters);
    if (entries.length === 0) throw new InvalidRequestError("findUserBy needs at least one column");
    const conditions = entries.map(([key, value]) => {
      if (!isUserColumn(key)) throw new InvalidRequestError(`users has no column '${key}'`);
      // `column = NULL` is never true in SQL, but a caller passing null most likely meant
      // "not set" and could match the wrong row if we rewrote it to IS NULL. Refuse instead.
      if (value === null || value === undefined) throw new InvalidRequestError(`'${key}' cannot be matched against null`);
      return eq(userColumns[key], value);
    });
    return and(...conditions)!;
  }
}
