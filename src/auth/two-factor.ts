import { encodeBase32NoPadding } from "@oslojs/encoding";
import type { DB } from "../db/db";
import { InvalidCode, TwoFactorAlreadyOn, TwoFactorNotOn } from "./errors";
import { type ClientInfo, Flow } from "./flow";
import type { AuthOptions } from "./options";
import type { Passwords } from "./passwords";
import { open, seal, totpContext } from "./secret-box";
import type { CurrentSession } from "./sessions";
import { type CodeInput, hashRecoveryCode, type SecondFactor } from "./second-factor";
import { matchingStep, newTotpSecret, otpauthUri } from "./totp";

/** Recovery codes per set, each shown once. */
export const RECOVERY_CODES = 10;
/** A new secret waits this long for its first code (the setup page says so). */
export const PENDING_SECRET_SECONDS = 10 * 60;

/** A recovery code as people read and type it: `xxxxx-xxxxx`, 50 random bits. */
function newRecoveryCode(): string {
  const text = encodeBase32NoPadding(crypto.getRandomValues(new Uint8Array(7)))
    .toLowerCase()
    .slice(0, 10);
  return `${text.slice(0, 5)}-${text.slice(5)}`;
}

/**
 * Turning two-factor sign-in (RFC 6238 TOTP, with recovery codes) on and off: a pending secret
 * confirmed by a first code, then the recovery codes; turning it off and new codes take the
 * password and a code (second-factor.ts checks codes).
 */
export class TwoFactor extends Flow {
  constructor(
    db: DB,
    options: AuthOptions,
    private readonly passwords: Passwords,
    private readonly secondFactor: SecondFactor,
  ) {
    super(db, options);
  }

  /** The account's state: off, pending (a secret not confirmed yet) or on, and recovery codes left. */
  async status(userId: number): Promise<{ state: "off" | "pending" | "on"; recoveryCodesLeft: number }> {
    const { totp, recoveryCodesLeft } = await this.db.twoFactor.status(userId);
    return { state: !totp ? "off" : totp.confirmedAt === null ? "pending" : "on", recoveryCodesLeft };
  }

  /**
   * Starts turning two-factor on, given the password: a new secret, pending until a code confirms
   * it. Returns the otpauth:// URI an authenticator app reads (as a QR code or as text).
   */
  async begin(current: CurrentSession, password: string, deviceToken?: string): Promise<string> {
    const { user, trustedDeviceHash } = await this.passwords.verifyOwnPassword(current.user.email, password, deviceToken);
    const secret = newTotpSecret();
    const stored = await this.db.twoFactor.begin(
      user.id,
      await seal(this.options.encryptionKey, secret, totpContext(user.id)),
      this.now(),
      trustedDeviceHash,
    );
    if (!stored) throw new TwoFactorAlreadyOn("two-factor is already on");
    return otpauthUri(this.options.appName, user.email, secret);
  }

  /** Confirms the pending secret with a code from the app: two-factor is on; returns the recovery codes. */
  async confirm(current: CurrentSession, code: string, client: ClientInfo = {}): Promise<string[]> {
    const { totp } = await this.db.twoFactor.status(current.user.id);
    if (!totp) throw new TwoFactorNotOn("nothing to confirm");
    if (totp.confirmedAt !== null) throw new TwoFactorAlreadyOn("two-factor is already on");
    // A secret not confirmed within 10 minutes is void: start again (with the password).
    if (totp.createdAt + PENDING_SECRET_SECONDS <= this.now()) throw new TwoFactorNotOn("the pending secret expired");
    const secret = await open(this.options.encryptionKey, totp.secretEncrypted, totpContext(current.user.id));
    const now = this.now();
    const step = matchingStep(secret, code.trim(), now, null);
    if (step === null) throw new InvalidCode("wrong code");
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    if (
      !(await this.db.twoFactor.confirm(
        current.user.id,
        step,
        await Promise.all(codes.map((code) => hashRecoveryCode(this.options.encryptionKey, code))),
        now,
      ))
    ) {
      throw new TwoFactorAlreadyOn("confirmed meanwhile");
    }
    this.emit({ type: "two-factor-changed", to: current.user.email, on: true, ...this.origin(client) });
    return codes;
  }

  /** Turns two-factor off, given the password and a code. */
  async disable(current: CurrentSession, password: string, code: CodeInput, deviceToken?: string, client: ClientInfo = {}): Promise<void> {
    const { user } = await this.passwords.verifyOwnPassword(current.user.email, password, deviceToken);
    if ((await this.status(user.id)).state !== "on") throw new TwoFactorNotOn("two-factor is off");
    await this.secondFactor.requireCode(user, code, client);
    await this.db.twoFactor.disable(user.id);
    this.emit({ type: "two-factor-changed", to: user.email, on: false, ...this.origin(client) });
  }

  /** A new set of recovery codes (the old ones stop working), given the password and a code. */
  async regenerateRecoveryCodes(
    current: CurrentSession,
    password: string,
    code: CodeInput,
    deviceToken?: string,
    client: ClientInfo = {},
  ): Promise<string[]> {
    const { user } = await this.passwords.verifyOwnPassword(current.user.email, password, deviceToken);
    if ((await this.status(user.id)).state !== "on") throw new TwoFactorNotOn("two-factor is off");
    await this.secondFactor.requireCode(user, code, client);
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    await this.db.twoFactor.replaceRecoveryCodes(
      user.id,
      await Promise.all(codes.map((code) => hashRecoveryCode(this.options.encryptionKey, code))),
      this.now(),
    );
    this.emit({ type: "recovery-codes-regenerated", to: user.email, ...this.origin(client) });
    return codes;
  }
}
