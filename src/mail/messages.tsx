import type { Child } from "hono/jsx";
import type { AuthEvent, ChangeOrigin } from "../auth/events";
import type { MailConfig } from "../config";
import type { Mail } from "./mailer";

/**
 * The text and HTML of every message, short, each saying what to do if it was not you. HTML is
 * Hono JSX (every value escaped); the text part is the same words. Links start with PUBLIC_URL;
 * tokens travel in the query string of a page that never logs it or sends it on (no referrer).
 */

interface Paragraphs {
  subject: string;
  /** Paragraphs; a `{ link }` is a button in HTML and a line of its own in text. */
  body: (string | { link: string; label: string })[];
}

function when(origin: ChangeOrigin): string {
  const from = [origin.device, origin.country].filter(Boolean).join(", ");
  return `on ${new Date(origin.at * 1000).toUTCString()}${from ? ` from ${from}` : ""}`;
}

const minutes = (expiresAt: number, now = Math.floor(Date.now() / 1000)) => Math.max(1, Math.round((expiresAt - now) / 60));

function words(event: AuthEvent, config: MailConfig): Paragraphs {
  const app = config.appName;
  const url = (path: string, token?: string) => `${config.publicUrl}${path}${token ? `?token=${encodeURIComponent(token)}` : ""}`;
  switch (event.type) {
    case "password-reset-link":
      return {
        subject: `Reset your ${app} password`,
        body: [
          `Someone asked to reset the password of your ${app} account. To choose a new password, open this link within ${minutes(event.expiresAt)} minutes; it works once:`,
          { link: url("/account/reset", event.token), label: "Choose a new password" },
          "If you did not ask for this, ignore this mail: your password stays as it is.",
        ],
      };
    case "verify-email":
      return {
        subject: `Confirm your address for ${app}`,
        body: [
          `Please confirm that this address is yours, for your ${app} account. The link works once, for 24 hours:`,
          { link: url("/account/verify", event.token), label: "Confirm my address" },
          "If you did not create an account, ignore this mail.",
        ],
      };
    case "confirm-new-email":
      return {
        subject: `Confirm your new address for ${app}`,
        body: [
          `Someone asked to use this address for an account at ${app}. To confirm, open this link within 24 hours:`,
          { link: url("/account/email/confirm", event.token), label: "Use this address" },
          "If this was not you, ignore this mail: nothing changes.",
        ],
      };
    case "password-changed":
      return {
        subject: `Your ${app} password was ${event.how}`,
        body: [
          `The password of your ${app} account was ${event.how} ${when(event)}. Every other device was logged out.`,
          "If this was you, there is nothing to do. If it was not, someone else has access: choose a new password now, then check where you are logged in.",
          { link: url("/account/forgot"), label: "Reset my password" },
        ],
      };
    case "email-changed":
      return {
        subject: `The address of your ${app} account was changed`,
        body: [
          `Your ${app} account now uses the address ${event.newEmail} instead of this one; the change was confirmed ${when(event)}.`,
          "If this was you, there is nothing to do. If it was not, undo it now: the account gets this address back, every device is logged out, and you choose a new password. The link works for 7 days:",
          { link: url("/account/email/revert", event.token), label: "Undo the change" },
        ],
      };
    case "email-restored":
      return {
        subject: `Your ${app} account has this address again`,
        body: [
          `Your ${app} account uses this address again and has the new password you chose ${when(event)}. Every device was logged out, and every link sent before is void.`,
          "Log in with the new password, then check where you are logged in.",
          { link: url("/account/login"), label: "Log in" },
        ],
      };
    case "email-change-requested":
      return {
        subject: `Someone asked to change the address of your ${app} account`,
        body: [
          `Someone asked ${when(event)} to move your ${app} account from this address to ${event.newEmail}. Nothing changes unless the link sent there is opened.`,
          "If this was you, there is nothing to do. If it was not, someone knows your password: cancel the change, then choose a new password.",
          { link: url("/account/email/cancel", event.token), label: "Cancel the change" },
        ],
      };
    case "two-factor-changed":
      return {
        subject: `Two-factor sign-in was turned ${event.on ? "on" : "off"} for your ${app} account`,
        body: [
          event.on
            ? `Two-factor sign-in was turned on for your ${app} account ${when(event)}: logging in with the password now also needs a code from your authenticator app (or a recovery code).`
            : `Two-factor sign-in was turned off for your ${app} account ${when(event)}: the password alone logs in again.`,
          "If this was not you, someone has your password and your account: choose a new password now, then check where you are logged in.",
          { link: url("/account/forgot"), label: "Reset my password" },
        ],
      };
    case "recovery-code-used":
      return {
        subject: `A recovery code was used for your ${app} account`,
        body: [
          `One of your recovery codes was used ${when(event)}, in place of a code from your authenticator app; it works no more. When few are left, make a new set on your account's two-factor page.`,
          "If this was not you, someone has your password and a recovery code: choose a new password now.",
          { link: url("/account/forgot"), label: "Reset my password" },
        ],
      };
    case "recovery-codes-regenerated":
      return {
        subject: `New recovery codes for your ${app} account`,
        body: [
          `A new set of recovery codes was made for your ${app} account ${when(event)}; the old ones work no more.`,
          "If this was not you, someone has your password and a second factor: choose a new password now.",
          { link: url("/account/forgot"), label: "Reset my password" },
        ],
      };
    case "passkey-changed":
      return {
        subject: `A passkey was ${event.added ? "added to" : "removed from"} your ${app} account`,
        body: [
          `The passkey "${event.name}" was ${event.added ? "added to" : "removed from"} your ${app} account ${when(event)}.${event.added ? " It signs in without a password." : ""}`,
          "If this was not you, someone has access to your account: remove passkeys you do not know, choose a new password and check where you are logged in.",
          { link: url("/account/passkeys"), label: "Your passkeys" },
        ],
      };
    case "provider-linked":
      return {
        subject: `${event.provider} was ${event.linked ? "linked to" : "unlinked from"} your ${app} account`,
        body: [
          `Signing in with ${event.provider} was ${event.linked ? "linked to" : "unlinked from"} your ${app} account ${when(event)}.${event.linked ? ` Your ${event.provider} account now signs in to it.` : ""}`,
          "If this was not you, someone has access to your account: unlink providers you do not know, choose a new password and check where you are logged in.",
          { link: url("/account/profile"), label: "Your account" },
        ],
      };
    case "account-deleted":
      return {
        subject: `Your ${app} account was deleted`,
        body: [
          `Your ${app} account and everything in it were deleted ${when(event)}, and every device was logged out.`,
          `If this was not you, someone had your password. You can create a new account with this address; tell the people who run ${app}.`,
        ],
      };
  }
}

function Html(props: { app: string; children: Child }) {
  return (
    <html lang="en">
      <body style="margin:0;padding:24px;background:#f3f5f9;font-family:system-ui,sans-serif;color:#1d2433">
        <div style="max-width:520px;margin:auto;background:#fff;border-radius:12px;padding:24px">
          <p style="font-weight:700;margin-top:0">{props.app}</p>
          {props.children}
        </div>
      </body>
    </html>
  );
}

/** The message for an event: subject, text and HTML, addressed to `event.to`. */
export async function render(event: AuthEvent, config: MailConfig): Promise<Mail> {
  const { subject, body } = words(event, config);
  const text = body.map((part) => (typeof part === "string" ? part : `${part.label}: ${part.link}`)).join("\n\n");
  const html = (
    <Html app={config.appName}>
      {body.map((part) =>
        typeof part === "string" ? (
          <p>{part}</p>
        ) : (
          <p>
            <a
              href={part.link}
              style="display:inline-block;background:#3d63dd;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none"
            >
              {part.label}
            </a>
            <br />
            <span style="font-size:12px;color:#5b6475;word-break:break-all">{part.link}</span>
          </p>
        ),
      )}
    </Html>
  );
  return { to: event.to, subject, text: `${text}\n\n-- ${config.appName}\n`, html: `<!doctype html>${await html.toString()}` };
}
