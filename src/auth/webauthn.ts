import { decodeBase64urlIgnorePadding, decodeHex, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { decodePKIXECDSASignature, p256 } from "@oslojs/crypto/ecdsa";
import {
  ClientDataType,
  coseAlgorithmEdDSA,
  coseAlgorithmES256,
  coseAlgorithmRS256,
  coseEllipticCurveEd25519,
  coseEllipticCurveP256,
  createAssertionSignatureMessage,
  parseAttestationObject,
  parseAuthenticatorData,
  parseClientDataJSON,
} from "@oslojs/webauthn";
import { PasskeyRejected } from "./errors";

/**
 * WebAuthn Level 3 for passkeys, as a relying party checks it (§7.1 registration, §7.2
 * authentication). @oslojs/webauthn parses the CBOR and COSE; signatures are verified by
 * WebCrypto. What is ours: the order of the checks and what a passkey keeps (a JWK of its public
 * key, the signature counter and the backup flags).
 */

/** ES256, EdDSA, RS256: what every platform authenticator and security key offers. */
const ALGORITHMS = [coseAlgorithmES256, coseAlgorithmEdDSA, coseAlgorithmRS256];

/** What the relying party is: PUBLIC_URL's host and origin, and the product's name. */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

/** A credential as `PublicKeyCredential.toJSON()` makes it. */
export interface CredentialJSON {
  id: string;
  rawId: string;
  type: string;
  response: {
    clientDataJSON: string;
    attestationObject?: string;
    authenticatorData?: string;
    signature?: string;
    userHandle?: string | null;
    transports?: string[];
  };
}

/** What a verified registration gives a passkey row. */
export interface NewCredential {
  credentialId: string;
  publicKey: string;
  algorithm: number;
  signCount: number;
  backupEligible: boolean;
  backedUp: boolean;
  transports: string | null;
}

export function newChallenge(): string {
  return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
}

/** The user handle of a user: its public id's bytes (no address, no row id). */
export function userHandle(publicId: string): string {
  return encodeBase64urlNoPadding(decodeHex(publicId));
}

/** Options for `navigator.credentials.create`, in the JSON `parseCreationOptionsFromJSON` reads. */
export function creationOptions(rp: RelyingParty, user: { publicId: string; email: string }, challenge: string, exclude: string[]) {
  return {
    rp: { id: rp.id, name: rp.name },
    user: { id: userHandle(user.publicId), name: user.email, displayName: user.email },
    challenge,
    pubKeyCredParams: ALGORITHMS.map((alg) => ({ type: "public-key" as const, alg })),
    timeout: 300_000,
    excludeCredentials: exclude.map((id) => ({ type: "public-key" as const, id })),
    authenticatorSelection: { residentKey: "required" as const, requireResidentKey: true, userVerification: "preferred" as const },
    attestation: "none" as const,
    hints: [] as string[],
  };
}

/**
 * Options for `navigator.credentials.get` with a discoverable credential (no allowCredentials).
 * User verification is required: a passkey sign-in stands in for the password and its second
 * factor, which only the device plus its unlock (PIN, biometrics) can.
 */
export function requestOptions(rp: RelyingParty, challenge: string) {
  return { challenge, rpId: rp.id, timeout: 300_000, userVerification: "required" as const, hints: [] as string[] };
}

function bytes(value: string | undefined, what: string): Uint8Array {
  if (typeof value !== "string") throw new PasskeyRejected(`${what} missing`);
  try {
    return decodeBase64urlIgnorePadding(value);
  } catch {
    throw new PasskeyRejected(`${what} is not base64url`);
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** Checks clientDataJSON (§7.1 steps 7-11, §7.2 steps 11-15): type, challenge, origin, not cross-origin. */
function checkClientData(encoded: Uint8Array, type: ClientDataType, challenge: string, rp: RelyingParty) {
  let clientData;
  try {
    clientData = parseClientDataJSON(encoded);
  } catch {
    throw new PasskeyRejected("clientDataJSON does not parse");
  }
  if (clientData.type !== type) throw new PasskeyRejected("wrong ceremony");
  if (!sameBytes(clientData.challenge, decodeBase64urlIgnorePadding(challenge))) throw new PasskeyRejected("wrong challenge");
  if (clientData.origin !== rp.origin) throw new PasskeyRejected("wrong origin");
  if (clientData.crossOrigin === true) throw new PasskeyRejected("cross-origin");
}

/** The authenticator data's flags byte: backup eligible (bit 3) and backed up (bit 4). */
function backupFlags(authenticatorData: Uint8Array) {
  const flags = authenticatorData[32] ?? 0;
  return { backupEligible: (flags & 0x08) !== 0, backedUp: (flags & 0x10) !== 0 };
}

/** A big-endian, fixed-length byte string for a COSE integer coordinate. */
function fixed(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1, v = value; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** A big-endian byte string of minimal length (RSA's n and e). */
function minimal(value: bigint): Uint8Array {
  const hex = value.toString(16);
  return decodeHex(hex.length % 2 ? `0${hex}` : hex);
}

/** Verifies a registration (`navigator.credentials.create(...).toJSON()`) for `challenge`. */
export function verifyRegistration(credential: CredentialJSON, challenge: string, rp: RelyingParty): NewCredential {
  if (credential.type !== "public-key") throw new PasskeyRejected("not a public-key credential");
  checkClientData(bytes(credential.response.clientDataJSON, "clientDataJSON"), ClientDataType.Create, challenge, rp);
  let attestation;
  try {
    attestation = parseAttestationObject(bytes(credential.response.attestationObject, "attestationObject"));
  } catch (error) {
    if (error instanceof PasskeyRejected) throw error;
    throw new PasskeyRejected("attestationObject does not parse");
  }
  // Attestation "none" was asked for: its statement, if any, is not relied on (§7.1 step 21).
  const data = attestation.authenticatorData;
  if (!data.verifyRelyingPartyIdHash(rp.id)) throw new PasskeyRejected("wrong relying party");
  if (!data.userPresent) throw new PasskeyRejected("user not present");
  const created = data.credential;
  if (!created) throw new PasskeyRejected("no credential");
  if (created.id.length > 1023) throw new PasskeyRejected("credential id too long");
  const credentialId = encodeBase64urlNoPadding(created.id);
  if (credential.id !== credentialId || encodeBase64urlNoPadding(bytes(credential.rawId, "rawId")) !== credentialId) {
    throw new PasskeyRejected("credential id mismatch");
  }
  const key = created.publicKey;
  let algorithm: number;
  let jwk: JsonWebKey;
  try {
    algorithm = key.algorithm();
    if (algorithm === coseAlgorithmES256) {
      const { curve, x, y } = key.ec2();
      if (curve !== coseEllipticCurveP256) throw new Error("curve");
      jwk = { kty: "EC", crv: "P-256", x: encodeBase64urlNoPadding(fixed(x, 32)), y: encodeBase64urlNoPadding(fixed(y, 32)) };
    } else if (algorithm === coseAlgorithmEdDSA) {
      const { curve, x } = key.okp();
      if (curve !== coseEllipticCurveEd25519) throw new Error("curve");
      jwk = { kty: "OKP", crv: "Ed25519", x: encodeBase64urlNoPadding(x) };
    } else if (algorithm === coseAlgorithmRS256) {
      const { n, e } = key.rsa();
      jwk = { kty: "RSA", n: encodeBase64urlNoPadding(minimal(n)), e: encodeBase64urlNoPadding(minimal(e)) };
    } else {
      throw new Error("algorithm");
    }
  } catch {
    throw new PasskeyRejected("unsupported public key");
  }
  const transports = (credential.response.transports ?? []).filter((t) => /^[a-z-]{1,20}$/.test(t)).slice(0, 8);
  return {
    credentialId,
    publicKey: JSON.stringify(jwk),
    algorithm,
    signCount: data.signatureCounter,
    ...registrationBackupFlags(credential, data),
    transports: transports.length ? transports.join(",") : null,
  };
}

/**
 * The backup flags at registration. oslo does not keep the raw authenticator data, so they are
 * read from the copy `toJSON()` sends beside the attestation object (L3's `authenticatorData`),
 * once it is known to be the same data (relying party, counter, credential).
 */
function registrationBackupFlags(credential: CredentialJSON, parsed: ReturnType<typeof parseAttestationObject>["authenticatorData"]) {
  if (!credential.response.authenticatorData) return { backupEligible: false, backedUp: false };
  const raw = bytes(credential.response.authenticatorData, "authenticatorData");
  let copy;
  try {
    copy = parseAuthenticatorData(raw);
  } catch {
    throw new PasskeyRejected("authenticatorData does not parse");
  }
  const same =
    sameBytes(copy.relyingPartyIdHash, parsed.relyingPartyIdHash) &&
    copy.signatureCounter === parsed.signatureCounter &&
    copy.credential !== null &&
    parsed.credential !== null &&
    sameBytes(copy.credential.id, parsed.credential.id);
  if (!same) throw new PasskeyRejected("authenticatorData differs from the attestation's");
  return backupFlags(raw);
}

/** The stored public key, imported for WebCrypto's verify. */
async function verifyKey(jwk: JsonWebKey, algorithm: number) {
  if (algorithm === coseAlgorithmES256) {
    return {
      key: await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]),
      params: { name: "ECDSA", hash: "SHA-256" },
    };
  }
  if (algorithm === coseAlgorithmEdDSA) {
    return { key: await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["verify"]), params: { name: "Ed25519" } };
  }
  return {
    key: await crypto.subtle.importKey("jwk", { ...jwk, alg: "RS256" }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]),
    params: { name: "RSASSA-PKCS1-v1_5" },
  };
}

/** What a verified assertion reports. */
export interface Assertion {
  signCount: number;
  backupEligible: boolean;
  backedUp: boolean;
  userVerified: boolean;
}

/**
 * Verifies an assertion (`navigator.credentials.get(...).toJSON()`) for `challenge` against the
 * stored passkey of `credential.id` (whose user handle is `handle`).
 */
export async function verifyAssertion(
  credential: CredentialJSON,
  challenge: string,
  rp: RelyingParty,
  passkey: { publicKey: string; algorithm: number; signCount: number },
  handle: string,
): Promise<Assertion> {
  if (credential.type !== "public-key") throw new PasskeyRejected("not a public-key credential");
  const clientDataJSON = bytes(credential.response.clientDataJSON, "clientDataJSON");
  checkClientData(clientDataJSON, ClientDataType.Get, challenge, rp);
  const authenticatorData = bytes(credential.response.authenticatorData, "authenticatorData");
  let data;
  try {
    data = parseAuthenticatorData(authenticatorData);
  } catch {
    throw new PasskeyRejected("authenticatorData does not parse");
  }
  if (!data.verifyRelyingPartyIdHash(rp.id)) throw new PasskeyRejected("wrong relying party");
  if (!data.userPresent) throw new PasskeyRejected("user not present");
  if (credential.response.userHandle && credential.response.userHandle !== handle) throw new PasskeyRejected("wrong user handle");
  const { key, params } = await verifyKey(JSON.parse(passkey.publicKey) as JsonWebKey, passkey.algorithm);
  let signature = bytes(credential.response.signature, "signature");
  if (passkey.algorithm === coseAlgorithmES256) {
    try {
      signature = decodePKIXECDSASignature(signature).encodeIEEEP1363(p256);
    } catch {
      throw new PasskeyRejected("signature does not parse");
    }
  }
  const message = createAssertionSignatureMessage(authenticatorData, clientDataJSON);
  if (!(await crypto.subtle.verify(params, key, signature, message))) throw new PasskeyRejected("bad signature");
  // §7.2 step 22: a counter that does not grow (when either is non-zero) may be a cloned authenticator.
  if ((data.signatureCounter !== 0 || passkey.signCount !== 0) && data.signatureCounter <= passkey.signCount) {
    throw new PasskeyRejected("signature counter did not grow");
  }
  return { signCount: data.signatureCounter, userVerified: data.userVerified, ...backupFlags(authenticatorData) };
}
