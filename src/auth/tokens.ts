import { encodeHexLowerCase } from "@oslojs/encoding";
/**
 * Secret tokens (session ids, reset tokens). The raw value only ever lives in the cookie or the
 * reset response; the database keeps its SHA-256, so a dump of users opens no session.
 */

/**
 * Where an account would live once accounts are spread over several D1 databases
 * (docs/scaling.md#past-one-d1): its slot, the first byte of the user's public id (`sub`, the
 * passkeys' user handle), one of 256, each slot mapped to one database. Undefined for a user
 * without one.
 */
export function slotOf(publicId: string | null | undefined): number | undefined {
  return publicId && /^[0-9a-f]{2}/.test(publicId) ? parseInt(publicId.slice(0, 2), 16) : undefined;
}

/**
 * The slot a secret we issued carries in its first byte (undefined for a value of no shape of
 * ours): the database a request presenting it would go to, found before any lookup.
 */
export function slotOfSecret(secret: string): number | undefined {
  if (isToken(secret)) return parseInt(secret.slice(0, 2), 16);
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  return Uint8Array.from(atob(secret.slice(0, 4).replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))[0];
}

/**
 * Random bits from the CSPRNG in the UUID v4 shape existing clients expect (session ids, reset
 * tokens). Issued for a known user, its first byte is that user's slot (`slotOf`), so a session
 * cookie names the database to ask without a directory: 114 random bits then, 122 otherwise.
 */
export function generateToken(slot?: number): string {
  const uuid = crypto.randomUUID();
  return slot === undefined ? uuid : `${slot.toString(16).padStart(2, "0")}${uuid.slice(2)}`;
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
