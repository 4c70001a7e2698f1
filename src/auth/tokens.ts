import { encodeHexLowerCase } from "@oslojs/encoding";
/**
 * Secret tokens (session ids, reset tokens). The raw value only ever lives in the cookie or the
 * reset response; the database keeps its SHA-256, so a dump of users opens no session.
 */

/** 122 random bits from the CSPRNG, in the UUID v4 shape existing clients expect. */
export function generateToken(): string {
  return crypto.randomUUID();
}

/** A public identifier (a session's name in lists): 128 random bits in hex, no secret. */
export function randomId(): string {
  return encodeHexLowerCase(crypto.getRandomValues(new Uint8Array(16)));
}

const TOKEN_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Whether a value a client sent has the shape of a token we issue (anything else is ignored). */
export function isToken(value: string): boolean {
  return TOKEN_SHAPE.test(value);
}

export async function sha256Hex(value: string): Promise<string> {
  return encodeHexLowerCase(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value))));
}

/** Equal-length strings compared in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}

/** The digest an address is counted under (mail_counts): never the address in the clear. */
export function addressDigest(email: string): Promise<string> {
  return sha256Hex(`mail-count:${email}`);
}
