import type { Passkey, User } from "../db/schema";
import { NoSuchPasskey, PasskeyRejected } from "./errors";
import { deviceLabel } from "./device-label";
import { type ClientInfo, Flow } from "./flow";
import type { CurrentSession } from "./sessions";
import { generateToken, randomId, sha256Hex, slotOf } from "./tokens";
import {
  type CredentialJSON,
  creationOptions,
  newChallenge,
  type RelyingParty,
  requestOptions,
  userHandle,
  verifyAssertion,
  verifyRegistration,
} from "./webauthn";

/** How long a challenge (and its cookie) lasts. */
export const CHALLENGE_SECONDS = 5 * 60;

/** A passkey as its owner sees it in a list. */
export interface PasskeyInfo {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  backedUp: boolean;
}

const info = (p: Passkey): PasskeyInfo => ({
  id: p.id,
  name: p.name,
  createdAt: p.createdAt,
  lastUsedAt: p.lastUsedAt,
  backedUp: p.backedUp,
});

/**
 * Passkeys (WebAuthn Level 3): adding and removing them (behind the re-authentication window),
 * and signing in with one, which counts as two factors. Challenges are bound to the browser
 * that asked (a cookie's secret; the row keeps its digest), single use, CHALLENGE_SECONDS.
 */
export class Passkeys extends Flow {
  private get rp(): RelyingParty {
    const url = new URL(this.options.publicUrl);
    return { id: url.hostname, origin: url.origin, name: this.options.appName };
  }

  /** Creation options for a new passkey of the current user; `challengeSecret` goes in the browser's cookie. */
  async registrationOptions(current: CurrentSession, challengeSecret: string) {
    this.requireRecentProof(current);
    const existing = await this.db.passkeys.list(current.user.id);
    const challenge = newChallenge();
    await this.db.passkeys.addChallenge({
      secretHash: await sha256Hex(challengeSecret),
      challenge,
      purpose: "register",
      userId: current.user.id,
      expiresAt: this.now() + CHALLENGE_SECONDS,
    });
    return creationOptions(
      this.rp,
      { publicId: current.user.publicId!, email: current.user.email },
      challenge,
      existing.map((p) => p.credentialId),
    );
  }

  /** Verifies and stores a new passkey (`credential.toJSON()`) against this browser's challenge. */
  async register(
    current: CurrentSession,
    credential: CredentialJSON,
    challengeSecret: string | undefined,
    client: ClientInfo = {},
  ): Promise<PasskeyInfo> {
    this.requireRecentProof(current);
    const taken = challengeSecret ? await this.db.passkeys.takeChallenge(await sha256Hex(challengeSecret), "register", this.now()) : null;
    if (!taken || taken.userId !== current.user.id) throw new PasskeyRejected("no challenge for this browser");
    const verified = verifyRegistration(credential, taken.challenge, this.rp);
    const now = this.now();
    const passkey: Passkey = {
      id: randomId(),
      userId: current.user.id,
      ...verified,
      name: `${deviceLabel(client.userAgent) ?? "Passkey"}, ${new Date(now * 1000).toISOString().slice(0, 10)}`,
      createdAt: now,
      lastUsedAt: null,
    };
    // Refused when the session ended meanwhile (or the user has the most passkeys there may be).
    if (!(await this.db.passkeys.add(passkey, current.session.id))) throw new PasskeyRejected("session ended, or too many passkeys");
    this.emit({ type: "passkey-changed", to: current.user.email, added: true, name: passkey.name, ...this.origin(client) });
    return info(passkey);
  }

  async list(current: CurrentSession): Promise<PasskeyInfo[]> {
    return (await this.db.passkeys.list(current.user.id)).map(info);
  }

  async remove(current: CurrentSession, id: string, client: ClientInfo = {}): Promise<void> {
    this.requireRecentProof(current);
    const name = /^[0-9a-f]{32}$/.test(id) ? await this.db.passkeys.remove(current.user.id, id) : null;
    if (name === null) throw new NoSuchPasskey("no such passkey");
    this.emit({ type: "passkey-changed", to: current.user.email, added: false, name, ...this.origin(client) });
  }

  /** Request options for signing in (any passkey of this site: no allowCredentials). */
  async signInOptions(challengeSecret: string) {
    const challenge = newChallenge();
    await this.db.passkeys.addChallenge({
      secretHash: await sha256Hex(challengeSecret),
      challenge,
      purpose: "authenticate",
      userId: null,
      expiresAt: this.now() + CHALLENGE_SECONDS,
    });
    return requestOptions(this.rp, challenge);
  }

  /**
   * Signs in with a passkey assertion against this browser's challenge: a new session, as a login
   * opens one (two factors: the device and its unlock). PasskeyRejected for anything that does
   * not verify; a replayed assertion finds its challenge spent.
   */
  async signIn(
    credential: CredentialJSON,
    challengeSecret: string | undefined,
    client: ClientInfo = {},
    deviceToken?: string,
  ): Promise<{ user: User; sessionId: string; deviceToken: string }> {
    const { user, sessionId, device } = await this.assert(credential, challengeSecret, client, deviceToken);
    if (!sessionId || !device) throw new PasskeyRejected("no session");
    return { user, sessionId, deviceToken: device };
  }

  /** A passkey assertion as a proof of presence for the current session (re-authentication). */
  async reauthenticate(current: CurrentSession, credential: CredentialJSON, challengeSecret: string | undefined): Promise<void> {
    const { user } = await this.assert(credential, challengeSecret, {}, undefined, current);
    if (user.id !== current.user.id) throw new PasskeyRejected("not this account's passkey");
  }

  /** Verifies an assertion; opens a session unless `current` says it is a re-authentication. */
  private async assert(
    credential: CredentialJSON,
    challengeSecret: string | undefined,
    client: ClientInfo,
    deviceToken?: string,
    current?: CurrentSession,
  ) {
    if (!challengeSecret || typeof credential?.id !== "string") throw new PasskeyRejected("no challenge for this browser");
    const now = this.now();
    const found = await this.db.passkeys.beginSignIn(await sha256Hex(challengeSecret), credential.id, now);
    if (!found.challenge) throw new PasskeyRejected("no challenge for this browser");
    if (!found.passkey || !found.user) throw new PasskeyRejected("unknown passkey");
    const { passkey, user } = found;
    if (current && user.id !== current.user.id) throw new PasskeyRejected("not this account's passkey");
    const result = await verifyAssertion(credential, found.challenge, this.rp, passkey, userHandle(user.publicId!));
    // Without its unlock a passkey is one factor (something held): not enough to stand for two.
    if (!result.userVerified) throw new PasskeyRejected("user not verified");
    const update = { signCount: result.signCount, backupEligible: result.backupEligible, backedUp: result.backedUp };
    if (current) {
      if (!(await this.db.passkeys.used(passkey, passkey.signCount, update, now, { reauthenticated: current.session.id }))) {
        throw new PasskeyRejected("used concurrently");
      }
      current.session.reauthenticatedAt = now;
      return { user };
    }
    const sessionId = generateToken(slotOf(user.publicId));
    const device = generateToken();
    const presented = deviceToken && /^[0-9a-f-]{36}$/.test(deviceToken) ? await sha256Hex(deviceToken) : undefined;
    const opened = await this.db.passkeys.used(passkey, passkey.signCount, update, now, {
      opening: {
        session: await this.newSession(sessionId, now, client, "pop mfa"),
        maxSessions: this.options.maxSessionsPerUser,
        // The client presented a device token: it is replaced (rotated) as a login's would be.
        device: { tokenHash: await sha256Hex(device), trustedHash: presented, now },
      },
    });
    if (!opened) throw new PasskeyRejected("used concurrently");
    return { user, sessionId, device };
  }
}
