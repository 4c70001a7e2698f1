import type { DB } from "../db/db";
import { isPlainAddress } from "./addresses";
import { InvalidEmailToken, NotLoggedIn, UserAlreadyExists } from "./errors";
import { checkBreached } from "./breached";
import { type ClientInfo, Flow } from "./flow";
import type { CodeInput } from "./second-factor";
import type { AuthOptions } from "./options";
import type { Passwords } from "./passwords";
import type { CurrentSession } from "./sessions";
import { addressDigest, generateToken, sha256Hex } from "./tokens";

/** How long a link sent to prove an address (verification, address change) works. */
export const EMAIL_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;
/** How long the old address can undo a confirmed change: a week, for someone back from a trip. */
export const REVERT_LINK_LIFETIME_SECONDS = 7 * 24 * 60 * 60;

/** Proving an address (verification links) and moving an account to another one. */
export class EmailAddresses extends Flow {
  constructor(
    db: DB,
    options: AuthOptions,
    private readonly passwords: Passwords,
  ) {
    super(db, options);
  }

  /**
   * Asks to move the account to `newEmail`, given the password: a confirmation link goes to the
   * new address, and a notice with a link that cancels it to the current one; nothing changes
   * until the confirmation is followed (confirmEmailChange). Past the new address's link-mail cap
   * nothing is stored or sent, and the answer is the same.
   */
  async requestEmailChange(
    current: CurrentSession,
    password: string,
    newEmail: string,
    deviceToken?: string,
    client: ClientInfo = {},
    code: CodeInput = {},
  ): Promise<void> {
    const { user, trustedDeviceHash } = await this.passwords.verifyOwnCredentials(current.user.email, password, code, deviceToken, client);
    if (newEmail === user.email || (await this.findUser({ email: newEmail }))) {
      // The password was right: end the backoff its claim moved (a success does it in its batch).
      await this.db.logins.clearLoginBackoff(user.id, trustedDeviceHash);
      throw new UserAlreadyExists(newEmail);
    }
    const change = await this.newLink(EMAIL_TOKEN_LIFETIME_SECONDS);
    const cancel = generateToken();
    const stored = await this.db.emailTokens.addChangeToken(
      { id: user.id, verifiedHash: user.hashedPassword, sessionId: current.session.id },
      newEmail,
      { newAddressHash: await addressDigest(newEmail), currentAddressHash: await addressDigest(user.email) },
      change,
      await sha256Hex(cancel),
      trustedDeviceHash,
    );
    // Past a cap: the same answer, nothing stored or sent.
    if (stored === "capped") return;
    // The session ended or the password changed while this request ran (a reset, "log out
    // everywhere"): the change must not outlive what was meant to end it.
    if (stored === "stale") throw new NotLoggedIn("session ended during the request");
    this.emit({ type: "email-change-requested", to: user.email, newEmail, token: cancel, ...this.origin(client) });
    this.emit({ type: "confirm-new-email", to: newEmail, token: change.token, expiresAt: change.expiresAt });
  }

  /** Follows the cancel link of a pending address change (mailed to the current address): it ends. */
  async cancelEmailChange(token: string): Promise<void> {
    if ((await this.db.emailTokens.cancelEmailChange(await sha256Hex(token), this.now())) === null)
      throw new InvalidEmailToken("invalid email token");
  }

  /**
   * Follows an address-change link: the account's address becomes the new one (verified), if
   * nobody registered it meanwhile (UserAlreadyExists). The old address gets a notice, with a
   * link that undoes the change for REVERT_LINK_LIFETIME_SECONDS (revertEmailChange).
   */
  async confirmEmailChange(token: string, client: ClientInfo = {}): Promise<string> {
    const revert = await this.newLink(REVERT_LINK_LIFETIME_SECONDS);
    const changed = await this.db.emailTokens.spendChangeToken(await sha256Hex(token), this.now(), revert);
    if (!changed) throw new InvalidEmailToken("invalid email token");
    this.emit({ type: "email-changed", to: changed.oldEmail, newEmail: changed.newEmail, token: revert.token, ...this.origin(client) });
    return changed.newEmail;
  }

  /**
   * Follows the undo link of a confirmed change (mailed to the old address): the account gets
   * that address back with `newPassword`, and everyone is logged out; whoever made the change,
   * even knowing the old password, is out. The address gets a notice.
   */
  async revertEmailChange(token: string, newPassword: string, client: ClientInfo = {}): Promise<string> {
    await checkBreached(newPassword, this.options.breachedPasswords, this.options.requestId);
    const hashedPassword = await this.passwords.hashPassword(newPassword);
    const email = await this.db.emailTokens.revertEmailChange(await sha256Hex(token), this.now(), hashedPassword);
    if (email === null) throw new InvalidEmailToken("invalid email token");
    this.emit({ type: "email-restored", to: email, ...this.origin(client) });
    return email;
  }

  /**
   * Sends a new verification link to `email` if it has an account that is not verified yet and
   * the address is within its link-mail cap; earlier links keep working.
   */
  async resendVerification(email: string): Promise<void> {
    if (!isPlainAddress(email)) return;
    const link = await this.newLink(EMAIL_TOKEN_LIFETIME_SECONDS);
    if (await this.db.emailTokens.addVerifyToken(email, await addressDigest(email), link)) {
      this.emit({ type: "verify-email", to: email, token: link.token, expiresAt: link.expiresAt });
    }
  }

  /** Follows a verification link: marks the address verified and returns it. */
  async verifyEmail(token: string): Promise<string> {
    const email = await this.db.emailTokens.spendVerifyToken(await sha256Hex(token), this.now());
    if (email === null) throw new InvalidEmailToken("invalid email token");
    return email;
  }
}
