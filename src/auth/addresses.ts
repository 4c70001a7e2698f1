/**
 * The one rule for email addresses, used by the API, the pages and the Flask import alike: the
 * form an address is stored and compared in, and what is refused. Addresses that look the same
 * must not become separate accounts, so text is normalised (NFC) before it is lower-cased, and
 * characters a reader cannot see are refused rather than kept.
 */

export const MAX_EMAIL_LENGTH = 254;

/**
 * Control, format (zero-width, bidi), private-use, surrogate and unassigned code points,
 * noncharacters, line and paragraph separators, default-ignorables (soft hyphen, variation
 * selectors...), characters that render as blank or as a box (U+2800 Braille blank, U+FFFC,
 * U+FFFD, which stands for bytes that were not text).
 */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}\p{Default_Ignorable_Code_Point}\u2800\uFFFC\uFFFD]/u;
/** A combining mark on a plain ASCII letter: `ex̣ample` looks like `example` but is not. */
const MARK_ON_ASCII = /[\x21-\x7e]\p{M}/u;
const SHAPE = /^[^\s@]+@[^\s@]+$/;
const LONE_SURROGATE = /\p{Cs}/u;
/** Whether a string is well-formed Unicode (no unpaired surrogate, which UTF-8 cannot carry). */
export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** Trimmed, NFC, lower-cased (and NFC again: lower-casing can decompose, as U+0130 does). */
export function normaliseEmail(raw: string): string {
  return raw.trim().normalize("NFC").toLowerCase().normalize("NFC");
}

/**
 * RFC 5322's addr-spec in its plain (dot-atom) form: a local part of letters, digits and
 * `!#$%&'*+-/=?^_\`{|}~` (non-ASCII letters too, RFC 6532) in dot-separated runs, `@`, then
 * dot-separated labels of letters, digits and hyphens (at least two, written in Unicode, none
 * starting or ending with a hyphen, a top-level domain that is not a number). No display name, quotes, comments,
 * domain literal, spaces or `<>()[],;:\\"`: an address outside it could carry a second recipient
 * or a header into a mail's `To` (`victim<attacker@evil.example>`, `bcc:x@evil.example`).
 */
const ATEXT = "[\\p{L}\\p{N}\\p{M}!#$%&'*+\\-/=?^_`{|}~]+";
const LABEL = "[\\p{L}\\p{N}\\p{M}-]+";
const PLAIN_ADDRESS = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*@${LABEL}(?:\\.${LABEL})*$`, "u");

/**
 * Whether a normalised address is a plain addr-spec (above): what registration and address
 * changes take, and the only kind of address mail is ever sent to. Logging in keeps the older,
 * looser rule (emailProblem), so accounts made before it are not locked out.
 */
export function isPlainAddress(email: string): boolean {
  if (emailProblem(email) !== undefined || !PLAIN_ADDRESS.test(email)) return false;
  const at = email.lastIndexOf("@");
  const [local, domain] = [email.slice(0, at), email.slice(at + 1)];
  // RFC 2047 encoded words (`=?utf-8?q?...?=`): some mail software decodes them in addresses.
  if (local.includes("=?") || local.includes("?=")) return false;
  const labels = domain.split(".");
  return (
    // A host mail can be delivered to: a name with a top-level domain that is not a number (no
    // `localhost`, `1.2.3.4` or `123`), no label that starts or ends with a hyphen...
    labels.length >= 2 &&
    !/^\d+$/.test(labels.at(-1)!) &&
    labels.every((label) => !label.startsWith("-") && !label.endsWith("-")) &&
    // ...and written in Unicode, the form addresses are kept in: `xn--bcher-kva` would be another
    // spelling of `bücher`, another account and another mail cap.
    labels.every((label) => !label.startsWith("xn--"))
  );
}

/** Why a normalised address is refused, or undefined when it is fine. */
export function emailProblem(email: string): "empty" | "too long" | "invalid" | undefined {
  if (email === "") return "empty";
  if (email.length > MAX_EMAIL_LENGTH) return "too long";
  if (!isWellFormed(email) || INVISIBLE.test(email) || MARK_ON_ASCII.test(email) || !SHAPE.test(email)) return "invalid";
  // Compatibility forms (fullwidth ｂｏｂ, math bold 𝐛𝐨𝐛, the ligature ﬁ) look like other
  // letters and have no place in an address: only text NFKC leaves as it is.
  if (email.normalize("NFKC").toLowerCase() !== email) return "invalid";
  return undefined;
}
