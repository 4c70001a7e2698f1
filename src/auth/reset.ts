import type { DB } from "../db/db";
import { isPlainAddress } from "./addresses";
import { checkBreached } from "./breached";
import { InvalidResetToken, UnknownEmail } from "./errors";
import { type ClientInfo, Flow } from "./flow";
import type { AuthOptions } from "./options";
import type { Passwords } from "./passwords";
import { addressDigest, generateToken, sha256Hex } from "./tokens";

/** Password reset: the seed's token in the answer (`response`), or links by mail (`email`). */
export class PasswordReset extends Flow {
  constructor(
    db: DB,
    options: AuthOptions,
    private readonly passwords: Passwords,
  ) {
    super(db, options);
  }

  /** Stores and returns a fresh reset token; throws UnknownEmail when no account has `email`. */
  async getResetPasswordToken(email: string): Promise<string> {
    const resetToken = generateToken();
    const expiresAt = this.now() + this.options.resetTokenLifetimeSeconds;
    if (!(await this.db.resetTokens.setResetToken(email, await sha256Hex(resetToken), expiresAt))) {
      throw new UnknownEmail(`No user with email ${email}`);
    }
    return resetToken;
  }

  /**
   * RESET_TOKEN_DELIVERY=email: stores a new reset link for `email` and sends it there by mail;
   * links sent earlier keep working until used or expired. An unknown address, one mail cannot be
   * sent to, or one past its link-mail cap costs the same and sends nothing. Nothing is
   * returned either way, so the answer cannot tell which addresses exist.
   */
  async requestPasswordReset(email: string): Promise<void> {
    if (!isPlainAddress(email)) return;
    const link = await this.newLink(this.options.resetTokenLifetimeSeconds);
    if (await this.db.resetTokens.addResetLink(email, await addressDigest(email), link)) {
      this.emit({ type: "password-reset-link", to: email, token: link.token, expiresAt: link.expiresAt });
    }
  }

  /**
   * Sets the password of the token's owner, spends the token and ends all the user's sessions;
   * the owner gets a notice. When `email` is given the token must also be that address's.
   */
  async updatePassword(resetToken: string, password: string, email?: string, client: ClientInfo = {}): Promise<void> {
    if (!resetToken) throw new InvalidResetToken("Invalid reset token");
    await checkBreached(password, this.options.breachedPasswords, this.options.requestId);
    const hashedPassword = await this.passwords.hashPassword(password);
    const owner = await this.db.resetTokens.spendResetToken(await sha256Hex(resetToken), this.now(), hashedPassword, email);
    if (owner === null) throw new InvalidResetToken("Invalid reset token");
    this.emit({ type: "password-changed", to: owner.email, how: "reset", ...this.origin(client) });
  }
}
