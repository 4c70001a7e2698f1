import type { DB } from "../db/db";
import type { User } from "../db/schema";
import { countryCode, deviceLabel } from "./device-label";
import { NoResultFound, ReauthenticationRequired } from "./errors";
import type { AuthEvent, ChangeOrigin } from "./events";
import type { AuthOptions } from "./options";
import { generateToken, randomId, sha256Hex } from "./tokens";

/** Where a request comes from, as far as a session list or a notice shows it. */
export interface ClientInfo {
  userAgent?: string;
  /** Cloudflare's request.cf.country. */
  country?: unknown;
}

/**
 * What every flow stands on: the request's database, the options, the clock, and the outbox.
 * A flow is one file of auth/ (passwords, sessions, reset, email, account); Auth composes them.
 */
export abstract class Flow {
  constructor(
    protected readonly db: DB,
    protected readonly options: AuthOptions,
  ) {}

  protected now(): number {
    return this.options.now?.() ?? Math.floor(Date.now() / 1000);
  }

  /** Hands a message to whoever sends mail (after the answer); dropped when mail is off. */
  protected emit(event: AuthEvent): void {
    if (this.options.sendsMail) this.options.notify?.(event);
  }

  protected origin(client: ClientInfo): ChangeOrigin {
    return { at: this.now(), device: deviceLabel(client.userAgent), country: countryCode(client.country) };
  }

  /** A token for a mailed link (a UUID, as the seed's reset tokens), its digest and deadline. */
  protected async newLink(lifetimeSeconds: number) {
    const token = generateToken();
    const now = this.now();
    return { token, tokenHash: await sha256Hex(token), now, expiresAt: now + lifetimeSeconds };
  }

  protected async findUser(filters: Parameters<DB["findUserBy"]>[0]): Promise<User | null> {
    try {
      return await this.db.findUserBy(filters);
    } catch (error) {
      if (error instanceof NoResultFound) return null;
      throw error;
    }
  }

  /** A new session's row: `secret` is the cookie's, `amr` how the user proved who they are. */
  protected async newSession(secret: string, now: number, client: ClientInfo, amr: string) {
    return {
      id: randomId(),
      secretHash: await sha256Hex(secret),
      createdAt: now,
      expiresAt: now + this.options.sessionLifetimeSeconds,
      idleExpiresAt: Math.min(now + this.options.sessionIdleTimeoutSeconds, now + this.options.sessionLifetimeSeconds),
      lastUsedAt: now,
      device: deviceLabel(client.userAgent),
      country: countryCode(client.country),
      amr,
      // The login itself is the first proof of presence.
      reauthenticatedAt: now,
    };
  }

  /**
   * Throws ReauthenticationRequired unless the session's last proof of presence (its login, or
   * POST /profile/reauthenticate) is within REAUTH_WINDOW_SECONDS.
   */
  requireRecentProof(current: { session: { createdAt: number; reauthenticatedAt: number | null } }): void {
    const provedAt = current.session.reauthenticatedAt ?? current.session.createdAt;
    if (provedAt + this.options.reauthWindowSeconds < this.now()) throw new ReauthenticationRequired("proof too old");
  }
}
