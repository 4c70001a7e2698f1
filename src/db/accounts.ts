import { and, asc, eq, sql } from "drizzle-orm";
import { UserAlreadyExists } from "./errors";
import { passkeys, type User, users } from "./schema";
import { accounts } from "./schema-identity";
import { isUniqueViolation, Store } from "./store";

/**
 * The hashed_password of a user without a password (one who signed up through a provider): no
 * bcrypt hash starts with "!", so no password can ever match it. A marker, not a NULL: making the
 * column nullable would rebuild `users`, and with D1's foreign keys on that deletes every session.
 */
export const UNUSABLE_PASSWORD = "!no-password";

/** accounts: (provider, subject) linked to a user. */
export class AccountStore extends Store {
  /** The user a provider's subject is linked to, or null. */
  async userOf(provider: string, subject: string): Promise<User | null> {
    const [row] = await this.run("accounts.userOf", "read", () =>
      this.db
        .select({ user: users })
        .from(accounts)
        .innerJoin(users, eq(users.id, accounts.userId))
        .where(and(eq(accounts.provider, provider), eq(accounts.subject, subject)))
        .limit(1),
    );
    return row?.user ?? null;
  }

  /** The providers linked to a user, oldest first. */
  async linksOf(userId: number): Promise<{ provider: string; createdAt: number }[]> {
    return this.run("accounts.linksOf", "read", () =>
      this.db
        .select({ provider: accounts.provider, createdAt: accounts.createdAt })
        .from(accounts)
        .where(eq(accounts.userId, userId))
        .orderBy(asc(accounts.createdAt)),
    );
  }

  /** A new user with a verified address and no password, and its link, in one batch. UserAlreadyExists when the address is taken. */
  async createUser(email: string, provider: string, subject: string, now: number): Promise<User> {
    const landed = async () => {
      const [row] = await this.db
        .select({ user: users })
        .from(accounts)
        .innerJoin(users, eq(users.id, accounts.userId))
        .where(and(eq(accounts.provider, provider), eq(accounts.subject, subject)))
        .limit(1);
      return row ? { result: row.user } : ("absent" as const);
    };
    try {
      return await this.run("accounts.createUser", { landed }, async () => {
        const [[user]] = await this.db.batch([
          this.db.insert(users).values({ email, hashedPassword: UNUSABLE_PASSWORD, emailVerifiedAt: now }).returning(),
          this.db.insert(accounts).select(
            this.db
              .select({
                provider: sql`${provider}`.as("provider"),
                subject: sql`${subject}`.as("subject"),
                userId: users.id,
                createdAt: sql`${now}`.as("created_at"),
              })
              .from(users)
              .where(eq(users.email, email)),
          ),
        ]);
        return user!;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new UserAlreadyExists(email);
      throw error;
    }
  }

  /** Links a subject to a user; false when it is linked (to anyone) already. */
  async link(userId: number, provider: string, subject: string, now: number): Promise<boolean> {
    const result = await this.run("accounts.link", "read", () =>
      this.db
        .insert(accounts)
        .values({ provider, subject, userId, createdAt: now })
        .onConflictDoNothing()
        .returning({ userId: accounts.userId }),
    );
    if (result.length > 0) return true;
    return (await this.userOf(provider, subject))?.id === userId;
  }

  /**
   * Unlinks a provider, unless it is the last way to sign in: the user keeps a usable password,
   * a passkey, or another provider. False when nothing was unlinked.
   */
  async unlink(userId: number, provider: string): Promise<boolean> {
    const otherWay = sql`(EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${userId} AND ${users.hashedPassword} <> ${UNUSABLE_PASSWORD})
      OR EXISTS (SELECT 1 FROM ${passkeys} WHERE ${passkeys.userId} = ${userId})
      OR EXISTS (SELECT 1 FROM ${accounts} AS other WHERE other.user_id = ${userId} AND other.provider <> ${provider}))`;
    // "once": the answer says whether it was linked, which a repeat would not know.
    const removed = await this.run("accounts.unlink", "once", () =>
      this.db
        .delete(accounts)
        .where(and(eq(accounts.userId, userId), eq(accounts.provider, provider), otherWay))
        .returning({ provider: accounts.provider }),
    );
    return removed.length > 0;
  }
}
