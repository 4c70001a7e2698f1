import { isPlainAddress } from "../auth/addresses";
import type { AuthEvent, Notify } from "../auth/events";
import type { MailConfig } from "../config";
import { logLine, summarizeError } from "../log";
import type { Transport } from "./mailer";
import { render } from "./messages";

/**
 * The Notify that Auth is given per request: each message is rendered and sent after the answer
 * (`waitUntil`), so neither timing nor status says whether an address exists, and a failed send
 * is logged (message type, error class and provider status: never an address, link or token)
 * and never turns the answer into a 5xx.
 */
export function outbox(
  transport: Transport | null,
  config: MailConfig,
  waitUntil: (promise: Promise<unknown>) => void,
  requestId: string | undefined,
): Notify {
  return (event: AuthEvent) => {
    if (!transport) return;
    // Only a plain addr-spec ever reaches a mail's `To` (an older account's address may be
    // looser: it is asked to change it); what was not sent is said, without the address.
    if (!isPlainAddress(event.to)) {
      logLine("warn", { requestId, mail: event.type, sent: false, reason: "not a plain address" });
      return;
    }
    waitUntil(
      (async () => {
        try {
          const mail = await render(event, config);
          await transport.send({ ...mail, from: config.from });
          logLine("info", { requestId, mail: event.type, sent: true });
        } catch (error) {
          const { error: name, codes } = summarizeError(error);
          const status = (error as { status?: unknown }).status;
          logLine("error", {
            requestId,
            mail: event.type,
            sent: false,
            error: name,
            ...(codes ? { codes } : {}),
            ...(status ? { status } : {}),
          });
        }
      })(),
    );
  };
}
