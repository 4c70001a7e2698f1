import { and, eq, gt, ne, or, sql } from "drizzle-orm";
import { endPendingLoginsStatement } from "./pending-logins";
import { endGrantsStatement } from "./oauth";
import { endLinks, insertLink, type NewLink, PENDING_CHANGE } from "./email-tokens";
import { NO_LOGIN_BACKOFF } from "./logins";
import { countLinkMail, withinMailCap } from "./mail-counts";
import { emailTokens, loginDevices, sessions, users } from "./schema";
import { Store } from "./store";
import { userByEmail } from "./users";

/**
 * Reset tokens: the seed's one token per account in users.reset_token (`response` delivery,
 * asking again replaces it) and mailed reset links in email_tokens (`email` delivery, several
 * live at once). Spending either sets the password and ends what someone who knew the old one
 * could still use, in one batch.
 */
export class ResetTokenStore extends Store {
  /** Stores a reset token digest for the account with `email`; returns false when there is none. */
  async setResetToken(email: string, resetToken: string, resetTokenExpiresAt: number): Promise<boolean> {
    // Absolute values: a repeat stores the same token and answers the same.
    const rows = await this.run("setResetToken", "read", () =>
      this.db.update(users).set({ resetToken, resetTokenExpiresAt }).where(eq(users.email, email)).returning({ id: users.id }),
    );
    return rows.length > 0;
  }

  /**
   * RESET_TOKEN_DELIVERY=email: stores a reset link for the account with `email` (the address's
   * digest is `addressHash`), counted against the address's link mails; earlier links stay live.
   * Returns false, at the same cost, when there is no such account or the cap is reached.
   */
  async addResetLink(email: string, addressHash: string, link: NewLink): Promise<boolean> {
    // "once": a repeat would count one mail twice (and could store a second link).
    const [, added] = await this.run("addResetLink", "once", () =>
      this.db.batch([
        countLinkMail(this.db, addressHash, link.now, eq(users.email, email)),
        insertLink(this.db, "reset", link, and(eq(users.email, email), withinMailCap(addressHash))),
      ]),
    );
    return added.length > 0;
  }

  /**
   * Spends a live reset token, the seed's (users.reset_token) or a mailed link's: sets the new
   * hash, ends every session, every remembered client, every other link of the account (other
   * reset links, a pending address change) and any login backoff, in one atomic batch, so of two
   * concurrent uses exactly one wins. Returns the user, or null when the token is unknown,
   * expired or not `email`'s.
   */
  async spendResetToken(
    resetToken: string,
    now: number,
    hashedPassword: string,
    email?: string,
  ): Promise<{ id: number; email: string } | null> {
    const ofEmail = email === undefined ? undefined : eq(users.email, email);
    const seeds = and(eq(users.resetToken, resetToken), gt(users.resetTokenExpiresAt, now), ofEmail);
    const mailed = sql`${users.id} = (SELECT ${emailTokens.userId} FROM ${emailTokens} WHERE ${and(
      eq(emailTokens.tokenHash, resetToken),
      eq(emailTokens.purpose, "reset"),
      gt(emailTokens.expiresAt, now),
    )})`;
    const live = or(seeds, and(mailed, ofEmail));
    const owner = sql`(SELECT ${users.id} FROM ${users} WHERE ${live})`;
    // Did a lost attempt land? With the address: its hash is the new one. Without: while the token
    // is still stored it did not; once it is gone, who spent it cannot be told (503).
    const landed = async () => {
      if (email === undefined) {
        const [pending] = await this.db
          .select({ id: users.id })
          .from(users)
          .where(or(eq(users.resetToken, resetToken), mailed))
          .limit(1);
        return pending ? ("absent" as const) : ("unknown" as const);
      }
      const user = await userByEmail(this.db, email);
      return user?.hashedPassword === hashedPassword ? { result: { id: user.id, email: user.email } } : ("absent" as const);
    };
    return this.run("spendResetToken", { landed, applied: Boolean }, async () => {
      // Each statement finds the owner by the token, which stays stored until the last one.
      const [, , , , , [row]] = await this.db.batch([
        this.db.delete(sessions).where(eq(sessions.userId, owner)),
        // A reset means the password may have been known to someone else: no client stays trusted,
        // and no address change asked for with it goes through.
        this.db.delete(loginDevices).where(eq(loginDevices.userId, owner)),
        endLinks(this.db, owner, ["reset", ...PENDING_CHANGE], ne(emailTokens.tokenHash, resetToken)),
        // Apps' tokens and half-done logins end too: the old password may have made them.
        endGrantsStatement(this.db, owner),
        endPendingLoginsStatement(this.db, owner),
        this.db
          .update(users)
          .set({ hashedPassword, resetToken: null, resetTokenExpiresAt: null, ...NO_LOGIN_BACKOFF })
          .where(live)
          .returning({ id: users.id, email: users.email }),
        // Only once the password is the new one: a token presented with another address stays.
        this.db
          .delete(emailTokens)
          .where(
            and(
              eq(emailTokens.tokenHash, resetToken),
              sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${emailTokens.userId} AND ${users.hashedPassword} = ${hashedPassword})`,
            ),
          ),
      ]);
      return row ?? null;
    });
  }
}
