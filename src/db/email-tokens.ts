import { and, eq, exists, gt, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { endPendingLoginsStatement } from "./pending-logins";
import { endGrantsStatement } from "./oauth";
import { UserAlreadyExists } from "./errors";
import { clearBackoffStatement, NO_LOGIN_BACKOFF } from "./logins";
import { countLinkMail, LINK_MAILS_PER_ADDRESS_PER_HOUR, withinMailCap } from "./mail-counts";
import { type EmailToken, emailTokens, loginDevices, sessions, users } from "./schema";
import { type Drizzle, isUniqueViolation, Store } from "./store";

/**
 * email_tokens: the links mail carries to prove an address (`verify`), move an account to a new
 * one (`change`, and `cancel` to the current address) and, in `email` delivery, reset a password
 * (`reset`: see reset-tokens.ts). The statements below are shared with the stores whose batches
 * end links (a reset, a password change, ending sessions).
 */

/** A link about to be stored: its token's digest, what it is for, and its deadline. */
export interface NewLink {
  tokenHash: string;
  now: number;
  expiresAt: number;
}

/**
 * Stores a link of `purpose` for every user matching `where` (one at most: it names a user by
 * id or address), for `email` (a column of users, or a value such as the new address).
 */
export function insertLink(
  db: Drizzle,
  purpose: EmailToken["purpose"],
  link: NewLink,
  where: SQL | undefined,
  email: SQL = sql`${users.email}`,
) {
  return db
    .insert(emailTokens)
    .select(
      db
        .select({
          tokenHash: sql`${link.tokenHash}`.as("token_hash"),
          userId: users.id,
          purpose: sql`${purpose}`.as("purpose"),
          email: email.as("email"),
          createdAt: sql`${link.now}`.as("created_at"),
          expiresAt: sql`${link.expiresAt}`.as("expires_at"),
        })
        .from(users)
        .where(where),
    )
    .returning({ userId: emailTokens.userId });
}

/** Ends the user's links of these kinds (all of them: they are for one account). */
export function endLinks(db: Drizzle, userId: number | SQL, purposes: EmailToken["purpose"][], onlyIf?: SQL) {
  return db.delete(emailTokens).where(and(eq(emailTokens.userId, userId), inArray(emailTokens.purpose, purposes), onlyIf));
}

/** A pending address change: its confirmation (to the new address) and the cancel link (to the current one). */
export const PENDING_CHANGE: EmailToken["purpose"][] = ["change", "cancel"];

/** Verification and address-change links. */
export class EmailTokenStore extends Store {
  /**
   * Stores a `verify` link for the account with `email` while it is not verified yet, counted
   * against the address's link mails; earlier links stay live. Returns false, at the same cost,
   * when there is no such account or the cap is reached.
   */
  async addVerifyToken(email: string, addressHash: string, link: NewLink): Promise<boolean> {
    const unverified = and(eq(users.email, email), isNull(users.emailVerifiedAt));
    // "once": a repeat would count one mail twice (and could store a second link).
    const [, added] = await this.run("addVerifyToken", "once", () =>
      this.db.batch([
        countLinkMail(this.db, addressHash, link.now, unverified),
        insertLink(this.db, "verify", link, and(unverified, withinMailCap(addressHash))),
      ]),
    );
    return added.length > 0;
  }

  /**
   * Spends a live `verify` token: the address it was sent to is verified, and every verify link
   * of the account ends. Returns that address. Two round trips: the token is read first so that,
   * if the answer to the spending is lost, the user's row tells whether it landed (links are
   * followed rarely; a wrong "invalid link" after an outage would send people in circles).
   */
  async spendVerifyToken(tokenHash: string, now: number): Promise<string | null> {
    const live = and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, "verify"), gt(emailTokens.expiresAt, now));
    const [found] = await this.run("spendVerifyToken.find", "read", () =>
      this.db.select({ userId: emailTokens.userId, email: emailTokens.email }).from(emailTokens).where(live).limit(1),
    );
    if (!found) return null;
    // Landed: the token is gone and the user has that address, verified.
    const landed = async () => {
      const [row] = await this.db
        .select({ email: users.email, verifiedAt: users.emailVerifiedAt, pending: emailTokens.tokenHash })
        .from(users)
        .leftJoin(emailTokens, eq(emailTokens.tokenHash, tokenHash))
        .where(eq(users.id, found.userId))
        .limit(1);
      return row && row.pending === null && row.email === found.email && row.verifiedAt !== null
        ? { result: found.email }
        : ("absent" as const);
    };
    return this.run("spendVerifyToken", { landed, applied: Boolean }, async () => {
      const [[verified]] = await this.db.batch([
        this.db
          .update(users)
          .set({ emailVerifiedAt: now })
          .where(
            and(
              eq(users.id, found.userId),
              eq(users.email, found.email),
              exists(
                this.db
                  .select({ one: sql`1` })
                  .from(emailTokens)
                  .where(live),
              ),
            ),
          )
          .returning({ email: users.email }),
        endLinks(
          this.db,
          found.userId,
          ["verify"],
          sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${found.userId} AND ${users.emailVerifiedAt} IS NOT NULL)`,
        ),
      ]);
      return verified?.email ?? null;
    });
  }

  /**
   * Stores a pending move of the user to `newEmail`: a `change` link (for the new address) that
   * replaces any earlier one, and a `cancel` link (for the current address; earlier cancel links
   * stay live, so a later request cannot kill the one the owner got), while both addresses are
   * within their link-mail cap (digests `newAddressHash`, `currentAddressHash`), the password is
   * still the one just checked (`verifiedHash`) and the session asking is still live: a change
   * asked for while the owner resets, changes the password or ends sessions must not land after
   * it. Clears the login backoff the password check claimed. Says what happened.
   */
  async addChangeToken(
    user: { id: number; verifiedHash: string; sessionId: string },
    newEmail: string,
    hashes: { newAddressHash: string; currentAddressHash: string },
    change: NewLink,
    cancelHash: string,
    trustedDeviceHash?: string,
  ): Promise<"stored" | "capped" | "stale"> {
    const withinCaps = and(withinMailCap(hashes.newAddressHash), withinMailCap(hashes.currentAddressHash));
    const asked = and(
      eq(users.id, user.id),
      eq(users.hashedPassword, user.verifiedHash),
      sql`EXISTS (SELECT 1 FROM ${sessions} WHERE ${sessions.id} = ${user.sessionId} AND ${sessions.userId} = ${user.id})`,
    );
    // "once": a repeat would count one mail twice.
    const [newCount, currentCount, , added] = await this.run("addChangeToken", "once", () =>
      this.db.batch([
        countLinkMail(this.db, hashes.newAddressHash, change.now, asked),
        countLinkMail(this.db, hashes.currentAddressHash, change.now, asked),
        endLinks(this.db, user.id, ["change"], and(withinCaps, sql`EXISTS (SELECT 1 FROM ${users} WHERE ${asked})`)),
        insertLink(this.db, "change", change, and(asked, withinCaps), sql`${newEmail}`),
        insertLink(this.db, "cancel", { ...change, tokenHash: cancelHash }, and(asked, withinCaps)),
        clearBackoffStatement(this.db, user.id, trustedDeviceHash),
      ]),
    );
    if (added.length > 0) return "stored";
    if (newCount.length === 0) return "stale";
    return [...newCount, ...currentCount].some((row) => row.count > LINK_MAILS_PER_ADDRESS_PER_HOUR) ? "capped" : "stale";
  }

  /**
   * Follows a `cancel` link: every pending address change of its user ends. Returns the address
   * the change was for, or null for an unknown, used or expired link.
   */
  async cancelEmailChange(cancelHash: string, now: number): Promise<string | null> {
    const owner = sql`(SELECT ${emailTokens.userId} FROM ${emailTokens} WHERE ${and(
      eq(emailTokens.tokenHash, cancelHash),
      eq(emailTokens.purpose, "cancel"),
      gt(emailTokens.expiresAt, now),
    )})`;
    // "once": a repeat would find the link gone and answer "invalid link".
    const ended = await this.run("cancelEmailChange", "once", () =>
      endLinks(this.db, owner, PENDING_CHANGE).returning({ purpose: emailTokens.purpose, email: emailTokens.email }),
    );
    return ended.find((link) => link.purpose === "change")?.email ?? (ended.length > 0 ? "" : null);
  }

  /**
   * Spends a live `change` token: the user's address becomes the one it was sent to, verified,
   * every link sent for the old address (reset and verification links, pending changes) ends,
   * and a `revert` link for the old address is stored (it rides in the notice sent there). The unique index refuses it (UserAlreadyExists) when someone registered that address
   * meanwhile. Returns the old and the new address, or null for an unknown or expired token.
   */
  async spendChangeToken(tokenHash: string, now: number, revert: NewLink): Promise<{ oldEmail: string; newEmail: string } | null> {
    const [found] = await this.run("spendChangeToken.find", "read", () =>
      this.db
        .select({ userId: emailTokens.userId, newEmail: emailTokens.email, oldEmail: users.email })
        .from(emailTokens)
        .innerJoin(users, eq(users.id, emailTokens.userId))
        .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, "change"), gt(emailTokens.expiresAt, now)))
        .limit(1),
    );
    if (!found) return null;
    const moved = { oldEmail: found.oldEmail, newEmail: found.newEmail };
    // Landed: the user has the new address now.
    const landed = async () => {
      const [row] = await this.db.select({ email: users.email }).from(users).where(eq(users.id, found.userId)).limit(1);
      return row?.email === found.newEmail ? { result: moved } : ("absent" as const);
    };
    const movedNow = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${found.userId} AND ${users.email} = ${found.newEmail})`;
    try {
      return await this.run("spendChangeToken", { landed, applied: Boolean }, async () => {
        const [[changed]] = await this.db.batch([
          this.db
            .update(users)
            // A reset asked for at the old address must not work once it is no longer the account's.
            .set({ email: found.newEmail, emailVerifiedAt: now, resetToken: null, resetTokenExpiresAt: null })
            .where(
              and(
                eq(users.id, found.userId),
                eq(users.email, found.oldEmail),
                exists(
                  this.db
                    .select({ one: sql`1` })
                    .from(emailTokens)
                    .where(eq(emailTokens.tokenHash, tokenHash)),
                ),
              ),
            )
            .returning({ id: users.id }),
          endLinks(this.db, found.userId, ["reset", "verify", ...PENDING_CHANGE], movedNow),
          // The old address gets a way back (revertEmailChange). Earlier ones stay live: a second
          // change by whoever made the first must not end the owner's way back.
          insertLink(this.db, "revert", revert, and(eq(users.id, found.userId), eq(users.email, found.newEmail)), sql`${found.oldEmail}`),
        ]);
        return changed ? moved : null;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new UserAlreadyExists(found.newEmail);
      throw error;
    }
  }

  /**
   * Follows a `revert` link (mailed to the old address when a change was confirmed): the
   * account gets that address back, verified, with the new password `hashedPassword`; every
   * session, remembered client and link of the account ends, so whoever made the change is out
   * even if they knew the old password. Refused (UserAlreadyExists) when someone registered
   * that address meanwhile. Returns the address, or null for an unknown, used or expired link.
   */
  async revertEmailChange(revertHash: string, now: number, hashedPassword: string): Promise<string | null> {
    const live = and(eq(emailTokens.tokenHash, revertHash), eq(emailTokens.purpose, "revert"), gt(emailTokens.expiresAt, now));
    const [found] = await this.run("revertEmailChange.find", "read", () =>
      this.db.select({ userId: emailTokens.userId, email: emailTokens.email }).from(emailTokens).where(live).limit(1),
    );
    if (!found) return null;
    // Landed: the user has that address and the new password.
    const landed = async () => {
      const [row] = await this.db
        .select({ email: users.email, hash: users.hashedPassword })
        .from(users)
        .where(eq(users.id, found.userId))
        .limit(1);
      return row?.email === found.email && row.hash === hashedPassword ? { result: found.email } : ("absent" as const);
    };
    const stillLive = exists(
      this.db
        .select({ one: sql`1` })
        .from(emailTokens)
        .where(live),
    );
    const restored = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${found.userId} AND ${users.hashedPassword} = ${hashedPassword})`;
    try {
      return await this.run("revertEmailChange", { landed, applied: Boolean }, async () => {
        const [, , [row]] = await this.db.batch([
          this.db.delete(sessions).where(and(eq(sessions.userId, found.userId), stillLive)),
          this.db.delete(loginDevices).where(and(eq(loginDevices.userId, found.userId), stillLive)),
          this.db
            .update(users)
            .set({
              email: found.email,
              emailVerifiedAt: now,
              hashedPassword,
              resetToken: null,
              resetTokenExpiresAt: null,
              ...NO_LOGIN_BACKOFF,
            })
            .where(and(eq(users.id, found.userId), stillLive))
            .returning({ email: users.email }),
          // Every link of the account, this one and other ways back included, once it is done.
          this.db.delete(emailTokens).where(and(eq(emailTokens.userId, found.userId), restored)),
          // Apps the changed account granted end too: whoever changed it may have granted them.
          endGrantsStatement(this.db, found.userId, restored),
          endPendingLoginsStatement(this.db, found.userId, restored),
        ]);
        return row?.email ?? null;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new UserAlreadyExists(found.email);
      throw error;
    }
  }
}
