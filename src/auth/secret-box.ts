import { decodeBase64, encodeBase64 } from "@oslojs/encoding";

/**
 * Secrets kept at rest encrypted (TOTP secrets): AES-256-GCM in WebCrypto under ENCRYPTION_KEY,
 * a fresh 96-bit IV per value, stored as base64(iv || ciphertext). A dump of the database alone
 * does not give anyone a user's second factor. Each value is bound to its `context` (whose it is,
 * as GCM's additional data): a sealed value copied onto another row does not open there.
 */

const keys = new Map<string, Promise<CryptoKey>>();

/** The AES key for a base64 ENCRYPTION_KEY, imported once per isolate. */
function aesKey(encryptionKey: string): Promise<CryptoKey> {
  let key = keys.get(encryptionKey);
  if (!key) {
    key = crypto.subtle.importKey("raw", decodeBase64(encryptionKey), "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(encryptionKey, key);
  }
  return key;
}

const additionalData = (context: string) => new TextEncoder().encode(context);

export async function seal(encryptionKey: string, plain: Uint8Array, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(context) }, await aesKey(encryptionKey), plain),
  );
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return encodeBase64(out);
}

/** The plain bytes; throws when the value was not sealed under this key for this context (or was altered). */
export async function open(encryptionKey: string, sealed: string, context: string): Promise<Uint8Array> {
  const bytes = decodeBase64(sealed);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: additionalData(context) },
    await aesKey(encryptionKey),
    bytes.slice(12),
  );
  return new Uint8Array(plain);
}

/** The context a user's TOTP secret is sealed for. */
export const totpContext = (userId: number) => `totp:${userId}`;

const macKeys = new Map<string, Promise<CryptoKey>>();

/** An HMAC-SHA-256 key for `purpose`, derived from ENCRYPTION_KEY with HKDF (one key, one use). */
function macKey(encryptionKey: string, purpose: string): Promise<CryptoKey> {
  const id = `${purpose}\u0000${encryptionKey}`;
  let key = macKeys.get(id);
  if (!key) {
    key = (async () => {
      const master = await crypto.subtle.importKey("raw", decodeBase64(encryptionKey), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: new TextEncoder().encode(purpose) },
        master,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign"],
      );
    })();
    macKeys.set(id, key);
  }
  return key;
}

/**
 * A keyed digest (hex HMAC-SHA-256) of a short secret such as a recovery code: a database dump
 * alone does not let anyone try guesses offline, they need ENCRYPTION_KEY as well.
 */
export async function keyedDigest(encryptionKey: string, purpose: string, value: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(encryptionKey, purpose), new TextEncoder().encode(value)));
  return [...mac].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
