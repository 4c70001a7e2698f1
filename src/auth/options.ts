import type { Notify } from "./events";

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
  /** Where messages go (src/mail, after the answer); nothing is sent without it. */
  notify?: Notify;
  /** Unix seconds; tests move the clock. */
  now?: () => number;
}
