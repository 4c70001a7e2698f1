import type { MailConfig } from "../config";
import { type Mail, MailError, type Transport } from "./mailer";

/**
 * Cloudflare Email Service through the `send_email` binding (`[[send_email]]` in wrangler.toml),
 * in its message-builder form. Locally wrangler dev and Miniflare simulate it: each message is
 * logged and its text and HTML written to files; nothing leaves the machine.
 */
export function emailServiceTransport(binding: SendEmail | undefined): Transport {
  return {
    async send(mail) {
      if (!binding) throw new MailError("the EMAIL binding ([[send_email]] in wrangler.toml) is missing");
      await binding.send({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
  };
}

/**
 * Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email), for accounts
 * without Email Service. The key is a Worker secret (`wrangler secret put RESEND_API_KEY`).
 */
export function resendTransport(apiKey: string, baseUrl: string, fetcher: typeof fetch = fetch): Transport {
  return {
    async send(mail: Mail & { from: string }) {
      const response = await fetcher(`${baseUrl}/emails`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ from: mail.from, to: [mail.to], subject: mail.subject, text: mail.text, html: mail.html }),
      });
      // The body may echo the address: only the status is kept.
      await response.body?.cancel();
      if (!response.ok) throw new MailError(`the provider answered ${response.status}`, response.status);
    },
  };
}

/** The transport MAIL_TRANSPORT names, or null when mail is off. */
export function transportFor(config: MailConfig, env: { EMAIL?: SendEmail }): Transport | null {
  if (config.transport === "email-service") return emailServiceTransport(env.EMAIL);
  if (config.transport === "resend") return resendTransport(config.resendApiKey, config.resendApiUrl);
  return null;
}
