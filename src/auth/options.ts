import type { Notify } from "./events";

/** A provider people sign in with: GitHub (OAuth 2.0 and its API), or any OpenID provider (Google too). */
export interface ProviderConfig {
  id: string;
  name: string;
  kind: "github" | "oidc";
  clientId: string;
  clientSecret: string;
  /** OpenID: the issuer, whose discovery document names the endpoints. */
  issuer?: string;
  /** GitHub: the site (authorize, token) and the API (the user, the addresses). */
  github?: { site: string; api: string };
}

/** What the flows take from the settings (src/config.ts builds it), plus the outbox and the clock. */
export interface AuthOptions {
  /** bcrypt work factor (log2 rounds). */
  bcryptCost: number;
  sessionLifetimeSeconds: number;
  sessionIdleTimeoutSeconds: number;
  resetTokenLifetimeSeconds: number;
  /** Longest wait between login attempts after repeated failures. */
  loginBackoffMaxSeconds: number;
  /** A user's sessions beyond this many (least recently used first) end at the next login. */
  maxSessionsPerUser: number;
  /** `response`: POST /reset_password answers with the token (the seed's contract); `email`: only mail has it. */
  resetTokenDelivery: "response" | "email";
  /** Logging in needs a verified address. */
  requireEmailVerification: boolean;
  /** Mail can be sent: verification links and notices go out (MAIL_TRANSPORT is not "none"). */
  sendsMail: boolean;
  /** The service's public address (PUBLIC_URL): WebAuthn's origin, its host the relying party's id. */
  publicUrl: string;
  /** The product name: the relying party's name, the TOTP issuer. */
  appName: string;
  /** 32 bytes in base64: what TOTP secrets are encrypted under (AES-GCM) at rest. */
  encryptionKey: string;
  /** How long a proof of presence (the login, or POST /profile/reauthenticate) lets sensitive actions through. */
  reauthWindowSeconds: number;
  /** Passkeys on (PASSKEYS). */
  passkeys: boolean;
  /** New passwords are checked against the Pwned Passwords range API (k-anonymity). */
  breachedPasswords: { check: boolean; url: string };
  /** The OpenID provider: OIDC_SIGNING_KEYS (JSON, checked) and the refresh tokens' reuse interval. */
  oidc: { signingKeys: string; refreshReuseIntervalSeconds: number };
  /** Where messages go (src/mail, after the answer); nothing is sent without it. */
  notify?: Notify;
  /** The request's id, for the few warn lines a flow writes itself. */
  requestId?: string;
  /** Unix seconds; tests move the clock. */
  now?: () => number;
}

/**
 * The highest BCRYPT_COST accepted (and the highest cost a stored hash may have). The costliest
 * route (a password change: one compare and one hash) at this cost must fit wrangler.toml's
 * [limits] cpu_ms with room: `npm run bench:cpu` measures it (about 1.9 s at 13 here; 7.8 s at
 * 15, the bound before), docs/scaling.md#cpu-time has the figures.
 */
export const MAX_BCRYPT_COST = 13;
