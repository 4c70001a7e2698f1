// Mail the local EMAIL binding "sends" (wrangler dev and Miniflare simulate Email Service: each
// message is logged with the paths of temporary files holding its text and HTML, which are
// deleted when the server stops). `npm start` and `npm run serve` hand each such log message to
// saveLoggedMail, which copies the message into .mail/ (git-ignored, readable only by its user)
// so a link can still be followed after a restart; `npm run mail` lists what is there.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
/** Where mail is kept: .mail/ in the project (EDGE_AUTH_MAIL_DIR elsewhere, for tests). */
export const mailDir = process.env.EDGE_AUTH_MAIL_DIR || path.join(root, ".mail");

// "[wrangler:info] " or "[mf:info] " prefixes and colours may come before each line.
const strip = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");
const field = (text, name) => new RegExp(`^(?:\\[[\\w:]+\\]\\s*)?${name}: (.*)$`, "m").exec(text)?.[1]?.trim();

/**
 * The message a log entry of the local binding describes ({ from, to, subject, textFile, htmlFile }),
 * or undefined for any other log entry.
 */
export function parseMailLog(entry) {
  const text = strip(entry);
  if (!text.includes("send_email binding called with MessageBuilder:")) return undefined;
  const mail = {
    from: field(text, "From"),
    to: field(text, "To"),
    subject: field(text, "Subject"),
    textFile: field(text, "Text"),
    htmlFile: field(text, "HTML"),
  };
  return mail.to && mail.textFile ? mail : undefined;
}

let sequence = 0;

/** Copies the message into .mail/ (mode 0700, files 0600); returns the path of its text. */
export function saveMail(mail, dir = mailDir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const at = new Date();
  sequence += 1;
  const base = path.join(dir, `${at.toISOString().replace(/[:.]/g, "-")}-${process.pid}-${sequence}`);
  const text = readFileSync(mail.textFile, "utf8");
  const write = (file, content) => writeFileSync(file, content, { mode: 0o600 });
  write(`${base}.txt`, text);
  if (mail.htmlFile && existsSync(mail.htmlFile)) {
    copyFileSync(mail.htmlFile, `${base}.html`);
    chmodSync(`${base}.html`, 0o600);
  }
  const links = [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) ?? [])];
  write(
    `${base}.json`,
    `${JSON.stringify({ at: at.toISOString(), from: mail.from, to: mail.to, subject: mail.subject, links }, null, 2)}\n`,
  );
  return `${base}.txt`;
}

/** For a server's log: saves each mail it describes and says where (one line). */
export function saveLoggedMail(entry, print = (line) => console.log(line)) {
  const mail = parseMailLog(entry);
  if (!mail) return;
  try {
    print(`mail: saved to ${path.relative(process.cwd(), saveMail(mail))} (npm run mail lists the latest)`);
  } catch (error) {
    print(`mail: could not keep a copy (${error.code ?? error.message}); the temporary files above last until the server stops`);
  }
}

/** The saved messages, newest first: [{ at, from, to, subject, links, file }]. */
export function savedMail(dir = mailDir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .reverse()
    .map((name) => ({ ...JSON.parse(readFileSync(path.join(dir, name), "utf8")), file: path.join(dir, name.replace(/\.json$/, ".txt")) }));
}
