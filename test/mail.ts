import { call } from "./helpers";

/**
 * A capturing stand-in for the EMAIL binding (Email Service's `send({ from, to, subject, text,
 * html })`), and the settings that turn mail on for one request.
 */
export interface SentMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export function capturingEmail(): { binding: SendEmail; sent: SentMail[] } {
  const sent: SentMail[] = [];
  const binding = {
    async send(message: SentMail) {
      sent.push(message);
      return { messageId: `<${sent.length}@test>` };
    },
  } as unknown as SendEmail;
  return { binding, sent };
}

export const MAIL_VARS = {
  MAIL_TRANSPORT: "email-service",
  MAIL_FROM: "edge-auth <no-reply@auth.example.test>",
  PUBLIC_URL: "https://auth.example.test",
  APP_NAME: "edge-auth",
} as const;

/** The token of the link to `path` in a message's text (`PUBLIC_URL + path + ?token=`). */
export function tokenOf(mail: SentMail | undefined, path: string): string {
  const match = new RegExp(`https://auth\\.example\\.test${path.replaceAll("/", "\\/")}\\?token=([\\w%-]+)`).exec(mail?.text ?? "");
  if (!match) throw new Error(`no ${path} link in ${JSON.stringify(mail?.text)}`);
  return decodeURIComponent(match[1]!);
}

/** Mail on (a capturing EMAIL binding), with `vars` on top; `send` calls the app with them. */
export function withMail(vars: Record<string, string> = {}) {
  const mail = capturingEmail();
  const options = { vars: { ...MAIL_VARS, ...vars }, bindings: { EMAIL: mail.binding } };
  const send = (method: string, path: string, extra: Parameters<typeof call>[2] = {}) =>
    call(method, path, { ...extra, vars: { ...options.vars, ...extra.vars }, bindings: { ...options.bindings, ...extra.bindings } });
  return { ...mail, options, send };
}

/** The messages sent to `to`, oldest first. */
export function mailTo(sent: SentMail[], to: string): SentMail[] {
  return sent.filter((mail) => mail.to === to);
}
