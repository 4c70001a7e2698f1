import type { User } from "../db/schema";
import type { CodeProof } from "../db/two-factor";
import { InvalidCode, PendingLoginExpired, SecondFactorRequired, SecondFactorThrottled, TwoFactorNotOn } from "./errors";
import { type ClientInfo, Flow } from "./flow";
import { keyedDigest, open, totpContext } from "./secret-box";
import { generateToken, sha256Hex, slotOf } from "./tokens";
import { matchingStep } from "./totp";

/** A second factor as a request gives it: a TOTP code, or one of the recovery codes. */
export interface CodeInput {
  code?: string;
  recoveryCode?: string;
}

/** A typed recovery code in the form it was hashed in (case, spaces and the dash do not matter). */
function normaliseRecoveryCode(typed: string): string {
  const plain = typed.toLowerCase().replace(/[\s-]/g, "");
  return plain.length === 10 ? `${plain.slice(0, 5)}-${plain.slice(5)}` : plain;
}

/**
 * The second factor once two-factor is on: finishing a pending login with a code, and the code a
 * logged-in user's sensitive action asks for. Under the account's second-factor throttle: a claim
 * before each check (at least a second apart), wrong codes counted (db/two-factor.ts).
 */
export class SecondFactor extends Flow {
  /**
   * Checks a code for a logged-in user's sensitive action (under the second-factor throttle) and
   * marks it used. SecondFactorRequired when none was given; InvalidCode when it is wrong.
   */
  async requireCode(user: User, input: CodeInput, client: ClientInfo = {}): Promise<void> {
    if (!input.code && !input.recoveryCode) throw new SecondFactorRequired("code required");
    const now = this.now();
    const claim = await this.db.twoFactor.claim(user.id, now, this.options.loginBackoffMaxSeconds);
    if (!claim.totp || claim.totp.confirmedAt === null) throw new TwoFactorNotOn("two-factor is off");
    if (!claim.claimed) throw new SecondFactorThrottled("codes paused", Math.max(1, (claim.blockedUntil ?? now + 1) - now));
    const proof = await this.check(claim.totp, input, now);
    // A recovery code is known to be right when using it succeeds; a TOTP code may lose a race.
    if (!proof || !(await this.db.twoFactor.accept(user.id, proof, generateToken()))) {
      await this.db.twoFactor.recordFailure(user.id, now, this.options.loginBackoffMaxSeconds);
      throw new InvalidCode("wrong code");
    }
    if (proof.kind === "recovery") this.emit({ type: "recovery-code-used", to: user.email, ...this.origin(client) });
  }

  /**
   * Finishes a pending login (its cookie's secret) with a code: opens the session, as a login
   * does. PendingLoginExpired when there is no live pending login (or its tries are spent).
   */
  async finishLogin(
    pendingSecret: string | undefined,
    input: CodeInput,
    client: ClientInfo = {},
  ): Promise<{ user: User; sessionId: string; deviceToken: string }> {
    if (!pendingSecret) throw new PendingLoginExpired("no pending login");
    const now = this.now();
    const secretHash = await sha256Hex(pendingSecret);
    const claim = await this.db.pendingLogins.claim(secretHash, now, this.options.loginBackoffMaxSeconds);
    if (!claim.pending || !claim.user || !claim.totp) throw new PendingLoginExpired("no pending login");
    if (!claim.claimed) throw new SecondFactorThrottled("codes paused", Math.max(1, (claim.blockedUntil ?? now + 1) - now));
    const { user, pending } = claim;
    const proof = await this.check(claim.totp, input, now);
    const wrong = async () => {
      await this.db.twoFactor.recordFailure(user.id, now, this.options.loginBackoffMaxSeconds);
      return new InvalidCode("wrong code");
    };
    if (!proof) throw await wrong();
    const sessionId = generateToken(slotOf(user.publicId));
    const device = generateToken();
    const amr = `${pending.amr} otp mfa`;
    const opened = await this.db.pendingLogins.finish(
      secretHash,
      user.id,
      proof,
      generateToken(),
      await this.newSession(sessionId, now, client, amr),
      this.options.maxSessionsPerUser,
      { tokenHash: await sha256Hex(device), trustedHash: pending.trustedDeviceHash ?? undefined, now },
    );
    // A recovery code that is not one of the account's, or a code another request used first.
    if (!opened) throw await wrong();
    if (proof.kind === "recovery") this.emit({ type: "recovery-code-used", to: user.email, ...this.origin(client) });
    return { user, sessionId, deviceToken: device };
  }

  /** What `input` proves for this authenticator (a recovery code: if it is one), or null. */
  private async check(
    totp: { userId: number; secretEncrypted: string; lastUsedStep: number | null },
    input: CodeInput,
    now: number,
  ): Promise<CodeProof | null> {
    if (input.code) {
      const secret = await open(this.options.encryptionKey, totp.secretEncrypted, totpContext(totp.userId));
      const step = matchingStep(secret, input.code.trim(), now, totp.lastUsedStep);
      return step === null ? null : { kind: "totp", step };
    }
    if (input.recoveryCode) return { kind: "recovery", codeHash: await hashRecoveryCode(this.options.encryptionKey, input.recoveryCode) };
    return null;
  }
}

/**
 * Recovery codes are kept as keyed digests (HMAC under a key derived from ENCRYPTION_KEY): 50
 * random bits each would be within reach of an offline search through plain digests.
 */
export function hashRecoveryCode(encryptionKey: string, code: string): Promise<string> {
  return keyedDigest(encryptionKey, "edge-auth recovery codes", normaliseRecoveryCode(code));
}
