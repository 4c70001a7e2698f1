import { encodeHexUpperCase } from "@oslojs/encoding";
import { logLine } from "../log";
import { BreachedPassword } from "./errors";

/**
 * New passwords against Have I Been Pwned's Pwned Passwords range API, with k-anonymity: only the
 * first five hex digits of the password's SHA-1 leave; the answer lists every suffix with that
 * prefix (padded with fake ones, `Add-Padding: true`, so its size says nothing either), and the
 * match is made here. A service that does not answer within a second does not stop anyone: the
 * password is accepted and one warn line says the check was skipped (never the password, its
 * hash or the prefix).
 */
export const BREACHED_CHECK_TIMEOUT_MS = 1000;

export async function checkBreached(password: string, options: { check: boolean; url: string }, requestId?: string): Promise<void> {
  if (!options.check) return;
  const digest = encodeHexUpperCase(new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(password))));
  const [prefix, suffix] = [digest.slice(0, 5), digest.slice(5)];
  let body: string;
  try {
    const response = await fetch(`${options.url}${prefix}`, {
      headers: { "Add-Padding": "true", "User-Agent": "edge-auth" },
      signal: AbortSignal.timeout(BREACHED_CHECK_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`status ${response.status}`);
    }
    body = await response.text();
  } catch (error) {
    logLine("warn", {
      requestId: requestId ?? "unknown",
      check: "breached-passwords",
      outcome: "skipped: the range API did not answer",
      error: error instanceof Error ? error.name : typeof error,
    });
    return;
  }
  for (const line of body.split("\n")) {
    const [candidate, count] = line.trim().split(":");
    // Padding lines have a count of 0.
    if (candidate === suffix && Number(count) > 0) throw new BreachedPassword("password in a breach");
  }
}
