/**
 * TOTP codes computed here, from RFC 4226 and RFC 6238 themselves (HMAC-SHA-1 through WebCrypto,
 * dynamic truncation, base32 by RFC 4648), not by the library the service uses: a test of the
 * service's codes against its own code could not fail.
 */

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Decode(text: string): Uint8Array {
  const bits = [...text.replace(/=+$/, "").toUpperCase()].map((ch) => {
    const value = BASE32.indexOf(ch);
    if (value < 0) throw new Error(`not base32: ${ch}`);
    return value.toString(2).padStart(5, "0");
  });
  const all = bits.join("");
  const out = new Uint8Array(Math.floor(all.length / 8));
  for (let i = 0; i < out.length; i++) out[i] = parseInt(all.slice(i * 8, i * 8 + 8), 2);
  return out;
}

/** RFC 4226 HOTP, 6 digits. */
export async function hotp(secret: Uint8Array, counter: number): Promise<string> {
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  const offset = mac[19]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 1_000_000).padStart(6, "0");
}

/** RFC 6238 TOTP (30-second steps) at `unixSeconds`, `offsetSteps` steps away. */
export function totp(secret: Uint8Array, unixSeconds = Date.now() / 1000, offsetSteps = 0): Promise<string> {
  return hotp(secret, Math.floor(unixSeconds / 30) + offsetSteps);
}

/** The secret of an otpauth:// URI (its `secret` parameter, base32). */
export function secretOf(uri: string): Uint8Array {
  return base32Decode(new URL(uri).searchParams.get("secret")!);
}
