/**
 * What Auth tells the outside world about, as it happens: messages to send by mail. Auth decides
 * that something must be said and to whom; src/mail/ decides how (templates, transport), after
 * the answer has gone out (waitUntil), so mail never changes what a request answers or how long
 * it takes.
 */

/** Where a change came from, as a notice tells the owner (never the IP address). */
export interface ChangeOrigin {
  at: number;
  device: string | null;
  country: string | null;
}

export type AuthEvent =
  /** A reset link for the owner of `to` (RESET_TOKEN_DELIVERY=email). */
  | { type: "password-reset-link"; to: string; token: string; expiresAt: number }
  /** A link that proves `to` is the account's address. */
  | { type: "verify-email"; to: string; token: string; expiresAt: number }
  /** A link, sent to the new address, that makes it the account's address. */
  | { type: "confirm-new-email"; to: string; token: string; expiresAt: number }
  /** Notices to the account's address (for an address change, the old one). */
  | ({ type: "password-changed"; to: string; how: "changed" | "reset" } & ChangeOrigin)
  /** To the old address: the change is done; `token` undoes it (with a new password). */
  | ({ type: "email-changed"; to: string; newEmail: string; token: string } & ChangeOrigin)
  /** To the address an undo link gave back: done, everyone logged out, the new password set. */
  | ({ type: "email-restored"; to: string } & ChangeOrigin)
  /** To the current address: a move to `newEmail` was asked for; `token` cancels it. */
  | ({ type: "email-change-requested"; to: string; newEmail: string; token: string } & ChangeOrigin)
  | ({ type: "account-deleted"; to: string } & ChangeOrigin)
  /** Second factors and passkeys: what changed, so the owner notices what they did not do. */
  | ({ type: "two-factor-changed"; to: string; on: boolean } & ChangeOrigin)
  | ({ type: "recovery-code-used"; to: string } & ChangeOrigin)
  | ({ type: "recovery-codes-regenerated"; to: string } & ChangeOrigin)
  | ({ type: "passkey-changed"; to: string; added: boolean; name: string } & ChangeOrigin)
  | ({ type: "provider-linked"; to: string; provider: string; linked: boolean } & ChangeOrigin);

export type Notify = (event: AuthEvent) => void;
