import { encodeBase32NoPadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { constantTimeEqual } from "./tokens";

/**
 * RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps (@oslojs/otp
 * computes the codes). A code is accepted for the current step or one either side (clock skew),
 * and only for a step later than the last one accepted, so it works once.
 */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** 160 bits, RFC 4226's recommended secret length for HMAC-SHA-1. */
const SECRET_BYTES = 20;

export function newTotpSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
}

/** `otpauth://totp/<issuer>:<account>?secret=...&issuer=...`, what an app scans or is pasted. */
export function otpauthUri(issuer: string, account: string, secret: Uint8Array): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [
    `secret=${encodeBase32NoPadding(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    "algorithm=SHA1",
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join("&");
  return `otpauth://totp/${label}?${query}`;
}

/** The time step of a Unix time in seconds. */
export function stepAt(unixSeconds: number): number {
  return Math.floor(unixSeconds / TOTP_PERIOD_SECONDS);
}

/**
 * The step `code` is right for, among now's and one either side, later than `lastUsedStep`;
 * null when it is right for none of them.
 */
export function matchingStep(secret: Uint8Array, code: string, nowSeconds: number, lastUsedStep: number | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const now = stepAt(nowSeconds);
  let found: number | null = null;
  for (const step of [now - 1, now, now + 1]) {
    // Every candidate is computed and compared, whether or not one matched already.
    const right = constantTimeEqual(generateHOTP(secret, BigInt(step), TOTP_DIGITS), code);
    if (right && found === null && (lastUsedStep === null || step > lastUsedStep)) found = step;
  }
  return found;
}
