import type { DB } from "../db/db";
import { isPlainAddress } from "./addresses";
import { InvalidEmailToken, UserAlreadyExists } from "./errors";
import { type ClientInfo, Flow } from "./flow";
import type { AuthOptions } from "./options";
import type { Passwords } from "./passwords";
import type { CurrentSession } from "./sessions";
import { addressDigest, generateToken, sha256Hex } from "./tokens";

/** How long a link sent to prove an address (verification, address change) works. */
export const EMAIL_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

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
  ): Promise<void> {
    const { user, trustedDeviceHash } = await this.passwords.verifyOwnPassword(current.user.email, password, deviceToken);
    if (newEmail === user.email || (await this.findUser({ email: newEmail }))) {
      // The password was right: end the backoff its claim moved (a success does it in its batch).
      await this.db.logins.clearLoginBackoff(user.id, trustedDeviceHash);
      throw new UserAlreadyExists(newEmail);
    }
    const change = await this.newLink(EMAIL_TOKEN_LIFETIME_SECONDS);
    const cancel = generateToken();
    const stored = await this.db.emailTokens.addChangeToken(
      user.id,
      newEmail,
      await addressDigest(newEmail),
      change,
      await sha256Hex(cancel),
      trustedDeviceHash,
    );
    if (!stored) return;
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
   * nobody registered it meanwhile (UserAlreadyExists). The old address gets a notice.
   */
  async confirmEmailChange(token: string, client: ClientInfo = {}): Promise<string> {
    const changed = await this.db.emailTokens.spendChangeToken(await sha256Hex(token), this.now());
    if (!changed) throw new InvalidEmailToken("invalid email token");
    this.emit({ type: "email-changed", to: changed.oldEmail, newEmail: changed.newEmail, ...this.origin(client) });
    return changed.newEmail;
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
