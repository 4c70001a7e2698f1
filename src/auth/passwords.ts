import bcrypt from "bcryptjs";
import { UNUSABLE_PASSWORD } from "../db/accounts";
import type { User } from "../db/schema";
import { InvalidCredentials, LoginThrottled, TooManyPasswordChanges, WrongPassword } from "./errors";
import type { DB } from "../db/db";
import { checkBreached } from "./breached";
import { type ClientInfo, Flow } from "./flow";
import { type AuthOptions, MAX_BCRYPT_COST } from "./options";
import { logLine } from "../log";
import type { CodeInput, SecondFactor } from "./second-factor";
import type { CurrentSession } from "./sessions";
import { generateToken, isToken, sha256Hex, slotOf } from "./tokens";

/**
 * One throwaway hash per cost, made once per isolate: a derived constant, not state. Unknown
 * emails are compared against it so they cost the same bcrypt work as a wrong password.
 */
const dummyHashes = new Map<number, Promise<string>>();

/** A password checked under the login throttle: who, and which remembered client asked. */
export interface Verified {
  user: User;
  /** The digest of the device token presented, when it is remembered for this account. */
  trustedDeviceHash?: string;
  /** The account has two-factor on: the password alone is not enough. */
  twoFactor: boolean;
}

/** Passwords: bcrypt hashes, checks under the login throttle, and changing one's own. */
export class Passwords extends Flow {
  constructor(
    db: DB,
    options: AuthOptions,
    private readonly secondFactor: SecondFactor,
  ) {
    super(db, options);
  }

  /**
   * verifyOwnPassword, and for an account with two-factor on a code as well (`code`): what every
   * action that takes the current password asks for. The right password ends its claim's backoff
   * even when the code is then missing or wrong (SecondFactorRequired, InvalidCode).
   */
  async verifyOwnCredentials(
    email: string,
    password: string,
    code: CodeInput,
    deviceToken?: string,
    client: ClientInfo = {},
  ): Promise<Verified> {
    const verified = await this.verifyOwnPassword(email, password, deviceToken);
    if (verified.twoFactor) {
      await this.db.logins.clearLoginBackoff(verified.user.id, verified.trustedDeviceHash);
      await this.secondFactor.requireCode(verified.user, code, client);
    }
    return verified;
  }

  /** A salted `$2b$` bcrypt hash, readable by Python's bcrypt. */
  hashPassword(password: string): Promise<string> {
    return bcrypt.hash(password, this.options.bcryptCost);
  }

  /** True only for a known email with its password. Does not count failures (see logIn). */
  async validLogin(email: string, password: string): Promise<boolean> {
    return this.checkPassword(await this.findUser({ email }), password);
  }

  /**
   * Changes the password of the current session's user, given the current one (checked under the
   * login throttle: a wrong one counts like a failed login). Every other session ends and the
   * current one gets a new secret, returned (OWASP's renewal after a privilege change); every
   * remembered client but this one is forgotten. The owner gets a notice.
   */
  async changePassword(
    current: CurrentSession,
    currentPassword: string,
    newPassword: string,
    deviceToken?: string,
    client: ClientInfo = {},
    code: CodeInput = {},
  ): Promise<string> {
    const { user, trustedDeviceHash } = await this.verifyOwnCredentials(current.user.email, currentPassword, code, deviceToken, client);
    await checkBreached(newPassword, this.options.breachedPasswords, this.options.requestId);
    const secret = generateToken(slotOf(user.publicId));
    const now = this.now();
    const { changed, limitedUntil } = await this.db.changePassword(
      user.id,
      user.hashedPassword,
      await this.hashPassword(newPassword),
      { sessionId: current.session.id, newSecretHash: await sha256Hex(secret) },
      { key: await sha256Hex(`password-changes:${user.id}`), now },
      trustedDeviceHash,
    );
    if (limitedUntil !== undefined) {
      // The password was right: it must not leave the owner waiting as a wrong one would.
      await this.db.logins.clearLoginBackoff(user.id, trustedDeviceHash);
      throw new TooManyPasswordChanges("too many password changes", limitedUntil - now);
    }
    // A reset changed the password meanwhile: the one just checked no longer counts.
    if (!changed) throw new WrongPassword("password changed during the request");
    this.emit({ type: "password-changed", to: user.email, how: "changed", ...this.origin(client) });
    return secret;
  }

  /** verifyPassword for a logged-in user's own account: a wrong password is WrongPassword. */
  async verifyOwnPassword(email: string, password: string, deviceToken?: string): Promise<Verified> {
    try {
      return await this.verifyPassword(email, password, deviceToken);
    } catch (error) {
      if (error instanceof InvalidCredentials) throw new WrongPassword("wrong password");
      throw error;
    }
  }

  /**
   * Checks `password` for `email` under the login throttle, in two queries at most: the claim
   * (which also reads the user), then, on failure, the count. Throws LoginThrottled while the
   * client's throttle is backing off, InvalidCredentials for a wrong password or unknown email.
   */
  async verifyPassword(email: string, password: string, deviceToken?: string): Promise<Verified> {
    const now = this.now();
    const presented = deviceToken !== undefined && isToken(deviceToken) ? await sha256Hex(deviceToken) : "";
    const claim = await this.db.logins.claimLoginAttempt(email, presented, now, this.options.loginBackoffMaxSeconds);
    const { user } = claim;
    if (user && !claim.claimed) {
      throw new LoginThrottled("login attempts paused after failures", Math.max(1, (claim.blockedUntil ?? now) - now));
    }
    const passwordMatches = await this.checkPassword(user, password);
    if (!user || !passwordMatches) {
      await this.db.logins.recordFailedLogin(email, now, this.options.loginBackoffMaxSeconds, claim.trusted ? presented : undefined);
      throw new InvalidCredentials("bad credentials");
    }
    return { user, trustedDeviceHash: claim.trusted ? presented : undefined, twoFactor: claim.twoFactor };
  }

  /**
   * bcrypt-compares even when there is no user, against a hash of the same cost, so an unknown
   * email takes as long as a wrong password (no timing oracle for which emails exist).
   */
  async checkPassword(user: User | null, password: string): Promise<boolean> {
    // A user without a password (signed up through a provider) is checked like an unknown one.
    if (user && user.hashedPassword !== UNUSABLE_PASSWORD) {
      // A stored hash dearer than any the settings allow (written by hand: the Flask import refuses
      // them) would outrun the CPU limit on every attempt: it is not checked, and said once per try.
      if (bcrypt.getRounds(user.hashedPassword) <= MAX_BCRYPT_COST) return bcrypt.compare(password, user.hashedPassword);
      logLine("warn", {
        requestId: this.options.requestId ?? "unknown",
        password: "not checked",
        reason: `bcrypt cost above ${MAX_BCRYPT_COST}`,
      });
    }
    const cost = this.options.bcryptCost;
    if (!dummyHashes.has(cost)) dummyHashes.set(cost, this.hashPassword("edge-auth timing equaliser"));
    await bcrypt.compare(password, await dummyHashes.get(cost)!);
    return false;
  }
}
