/**
 * A software authenticator for the Workers-runtime tests: a P-256 key in WebCrypto, and the
 * registration and assertion responses a browser's `credential.toJSON()` would carry, built from
 * the WebAuthn Level 3 spec by hand (with the few CBOR items it needs, encoded here). The
 * end-to-end tests use Chromium's own virtual authenticator instead.
 */

const encoder = new TextEncoder();

export function b64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function fromB64url(text: string): Uint8Array {
  const plain = atob(text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(plain, (ch) => ch.charCodeAt(0));
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** The CBOR items an attestation object and a COSE key need (RFC 8949 major types 0, 1, 2, 3, 5). */
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;
function cbor(value: Cbor): Uint8Array {
  const head = (major: number, length: number) => {
    if (length < 24) return new Uint8Array([(major << 5) | length]);
    if (length < 256) return new Uint8Array([(major << 5) | 24, length]);
    return new Uint8Array([(major << 5) | 25, length >> 8, length & 255]);
  };
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") return concat(head(3, encoder.encode(value).length), encoder.encode(value));
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  return concat(head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)]));
}

const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

/** A raw (r || s) P-256 signature as the DER that WebAuthn carries. */
function der(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let value = bytes.slice(i);
    if (value[0]! & 0x80) value = concat(new Uint8Array([0]), value);
    return concat(new Uint8Array([0x02, value.length]), value);
  };
  const body = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

export interface Authenticator {
  credentialId: Uint8Array;
  keys: CryptoKeyPair;
  counter: number;
  /** The flags byte's backup bits (BE, BS). */
  backup: { eligible: boolean; state: boolean };
}

export async function newAuthenticator(
  options: { counter?: number; backup?: { eligible: boolean; state: boolean } } = {},
): Promise<Authenticator> {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  return {
    credentialId: crypto.getRandomValues(new Uint8Array(16)),
    keys,
    counter: options.counter ?? 0,
    backup: options.backup ?? { eligible: true, state: true },
  };
}

function flags(authenticator: Authenticator, attested: boolean, userVerified = true) {
  return (
    0x01 |
    (userVerified ? 0x04 : 0) |
    (authenticator.backup.eligible ? 0x08 : 0) |
    (authenticator.backup.state ? 0x10 : 0) |
    (attested ? 0x40 : 0)
  );
}

const counterBytes = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** `credential.toJSON()` of a registration for these creation options (from the service). */
export async function register(
  authenticator: Authenticator,
  options: { challenge: string; rp: { id: string } },
  origin: string,
  change: { origin?: string; rpId?: string; type?: string; challenge?: string } = {},
) {
  const clientDataJSON = encoder.encode(
    JSON.stringify({
      type: change.type ?? "webauthn.create",
      challenge: change.challenge ?? options.challenge,
      origin: change.origin ?? origin,
      crossOrigin: false,
    }),
  );
  const jwk = (await crypto.subtle.exportKey("jwk", authenticator.keys.publicKey)) as JsonWebKey;
  const coseKey = cbor(
    new Map<Cbor, Cbor>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, fromB64url(jwk.x!)],
      [-3, fromB64url(jwk.y!)],
    ]),
  );
  const authData = concat(
    await sha256(encoder.encode(change.rpId ?? options.rp.id)),
    new Uint8Array([flags(authenticator, true)]),
    counterBytes(authenticator.counter),
    new Uint8Array(16), // AAGUID: none
    new Uint8Array([0, authenticator.credentialId.length]),
    authenticator.credentialId,
    coseKey,
  );
  const attestationObject = cbor(
    new Map<Cbor, Cbor>([
      ["fmt", "none"],
      ["attStmt", new Map()],
      ["authData", authData],
    ]),
  );
  const id = b64url(authenticator.credentialId);
  return {
    id,
    rawId: id,
    type: "public-key" as const,
    authenticatorAttachment: "platform",
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64url(clientDataJSON),
      attestationObject: b64url(attestationObject),
      authenticatorData: b64url(authData),
      transports: ["internal"],
      publicKeyAlgorithm: -7,
    },
  };
}

/** `credential.toJSON()` of an assertion for these request options (the counter moves on). */
export async function assert(
  authenticator: Authenticator,
  options: { challenge: string; rpId: string },
  origin: string,
  userHandle: string | null,
  change: { origin?: string; rpId?: string; counter?: number; userVerified?: boolean } = {},
) {
  authenticator.counter = change.counter ?? (authenticator.counter === 0 ? 0 : authenticator.counter + 1);
  const clientDataJSON = encoder.encode(
    JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: change.origin ?? origin, crossOrigin: false }),
  );
  const authData = concat(
    await sha256(encoder.encode(change.rpId ?? options.rpId)),
    new Uint8Array([flags(authenticator, false, change.userVerified ?? true)]),
    counterBytes(authenticator.counter),
  );
  const signed = concat(authData, await sha256(clientDataJSON));
  const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, authenticator.keys.privateKey, signed));
  const id = b64url(authenticator.credentialId);
  return {
    id,
    rawId: id,
    type: "public-key" as const,
    authenticatorAttachment: "platform",
    clientExtensionResults: {},
    response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(der(raw)), userHandle },
  };
}
