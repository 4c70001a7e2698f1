/**
 * A short, human label for the device a session was opened from ("Firefox on Linux"), from its
 * User-Agent. Only the label is kept, never the whole header: it is for a person recognising
 * their own devices in a list, not for tracking.
 */

export const MAX_DEVICE_LABEL_LENGTH = 60;

const SYSTEMS: [RegExp, string][] = [
  [/iPhone/, "iPhone"],
  [/iPad/, "iPad"],
  [/Android/, "Android"],
  [/CrOS/, "ChromeOS"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux/, "Linux"],
];

const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/SamsungBrowser\//, "Samsung Internet"],
  [/Firefox\/|FxiOS\//, "Firefox"],
  [/Chrome\/|CriOS\//, "Chrome"],
  [/Safari\//, "Safari"],
];

/** "Browser on System", or the client's own name (curl/8.5, python-requests...), or null. */
export function deviceLabel(userAgent: string | undefined): string | null {
  const ua = (userAgent ?? "").trim();
  if (ua === "") return null;
  const system = SYSTEMS.find(([pattern]) => pattern.test(ua))?.[1];
  const browser = BROWSERS.find(([pattern]) => pattern.test(ua))?.[1];
  let label: string;
  if (browser && system) label = `${browser} on ${system}`;
  else if (browser || system) label = (browser ?? system)!;
  // Not a browser: the product token ("curl/8.5.0" -> "curl"), printable ASCII only.
  else label = ua.split(/[\s/;(]/)[0]!.replace(/[^\x21-\x7e]/g, "") || "Unknown device";
  return label.slice(0, MAX_DEVICE_LABEL_LENGTH);
}

/** Cloudflare's two-letter country of the request (request.cf.country), or null. */
export function countryCode(country: unknown): string | null {
  return typeof country === "string" && /^[A-Z][A-Z0-9]$/.test(country) ? country : null;
}
