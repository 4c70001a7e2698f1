import type { MailConfig } from "../config";

/** One message, rendered (src/mail/messages.tsx). */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** How mail leaves: Cloudflare's Email Service binding or an HTTP provider (src/mail/transports.ts). */
export interface Transport {
  send(mail: Mail & { from: string }): Promise<void>;
}

/**
 * A provider or the binding refused a message. Its text never holds the message's address or
 * content: it is logged as is (with `status` when an HTTP provider answered).
 */
export class MailError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "MailError";
  }
}

export type { MailConfig };
