import type { CleanUpCounts } from "../db/clean-up";
import { UNUSABLE_PASSWORD } from "../db/accounts";

export { UNUSABLE_PASSWORD };
import type { DB } from "../db/db";
import type { User } from "../db/schema";
import { checkBreached } from "./breached";
import { EMAIL_TOKEN_LIFETIME_SECONDS } from "./email";
import type { CodeInput } from "./second-factor";
import { WrongPassword } from "./errors";
import { type ClientInfo, Flow } from "./flow";
import type { AuthOptions } from "./options";
import type { Passwords } from "./passwords";
import type { CurrentSession } from "./sessions";
import { addressDigest } from "./tokens";

/** An account's life: registering it, deleting it, and the daily clean-up of what it leaves. */
export class Accounts extends Flow {
  constructor(
    db: DB,
    options: AuthOptions,
    private readonly passwords: Passwords,
  ) {
    super(db, options);
  }

  /**
   * Throws UserAlreadyExists (`User <email> already exists`) for a taken email. When mail is on,
   * the new address gets a verification link (its token stored in the same round trip).
   */
  async registerUser(email: string, password: string): Promise<User> {
    await checkBreached(password, this.options.breachedPasswords, this.options.requestId);
    const hashedPassword = await this.passwords.hashPassword(password);
    if (!this.options.sendsMail) return this.db.addUser(email, hashedPassword);
    const link = await this.newLink(EMAIL_TOKEN_LIFETIME_SECONDS);
    const { user, linked } = await this.db.registerUser(email, hashedPassword, { ...link, addressHash: await addressDigest(email) });
    if (linked) this.emit({ type: "verify-email", to: email, token: link.token, expiresAt: link.expiresAt });
    return user;
  }

  /**
   * Deletes the current session's user, given the password (checked under the login throttle).
   * Its sessions, remembered clients and tokens go in the same statement; the email can
   * register again. The address gets a last notice.
   */
  async deleteAccount(
    current: CurrentSession,
    password: string,
    deviceToken?: string,
    client: ClientInfo = {},
    code: CodeInput = {},
  ): Promise<void> {
    // An account without a password (signed up through a provider) proves itself by a fresh
    // re-authentication instead (its provider again, or a passkey); `password` is ignored.
    const passwordless = current.user.hashedPassword === UNUSABLE_PASSWORD;
    if (passwordless) this.requireRecentProof(current);
    const { user } = passwordless
      ? current
      : await this.passwords.verifyOwnCredentials(current.user.email, password, code, deviceToken, client);
    if (!(await this.db.deleteUser(user.id, user.hashedPassword))) throw new WrongPassword("password changed during the request");
    this.emit({ type: "account-deleted", to: user.email, ...this.origin(client) });
  }

  /** Removes ended sessions, expired tokens and challenges, and long-unseen clients, in bounded rounds. */
  async cleanUp(limitPerRound = 500, maxRounds = 20): Promise<CleanUpCounts> {
    const total: CleanUpCounts = { sessions: 0, resetTokens: 0, devices: 0, challenges: 0, appTokens: 0 };
    for (let round = 0; round < maxRounds; round++) {
      const removed = await this.db.cleanUp.cleanUp(this.now(), limitPerRound);
      for (const kind of Object.keys(total) as (keyof CleanUpCounts)[]) total[kind] += removed[kind];
      if (Object.values(removed).every((n) => n < limitPerRound)) break;
    }
    return total;
  }
}
