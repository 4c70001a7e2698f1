import { exportJWK, importJWK, type JWK, SignJWT, jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";

/**
 * The provider's signing keys: RS256 (what OpenID Connect requires every provider to offer),
 * from the OIDC_SIGNING_KEYS Worker secret, a JSON array of private RSA JWKs, each with a `kid`.
 * The first one signs; every one is published in the JWKS (its public part), so a new key is
 * published before it signs (add it second) and an old one still verifies after it stopped
 * (keep it second until its tokens have expired). From a secret, not D1: no round trip for
 * JWKS or signing, and no key material in a database dump. jose does the JWT and JWK work.
 */
export interface SigningKeys {
  /** The key that signs, and its id. */
  signing: { kid: string; key: CryptoKey };
  /** Every key's public JWK (the JWKS document's `keys`). */
  jwks: JWK[];
  /** Public keys by kid, to verify what we signed. */
  verifying: Map<string, CryptoKey>;
}

/**
 * A developer machine's keys when OIDC_SIGNING_KEYS is not set: published here, so they protect
 * nothing, and any deployment refuses them (the settings check and the deploy check).
 */
export const LOCAL_ONLY_SIGNING_KEYS =
  '[{"kid":"local-only-1","alg":"RS256","use":"sig","kty":"RSA","n":"r_nBzwVAhDUnZGVKlAvLmKn_meVa3hJtZ-NCPqY5HEsPHd7nN8Ki432BqvRIBsfT38bszdlS-67qIh4tSDAibVZR6sNlEP18mlUu__wM9SFxYR-rQTBN3HrqrOhFUyahpRF0gvKmi-RsuG8KOsABQUEmdTr-r1CAYRX2PyuR_LB0yICJY2aq26EzyI0oBHLKQdHke5m5jk7eknNLj7-bwKVw0j3wlD64hLRsKj8qBoa0UcVz93_Z9xdV1bHdDjGjvYyOCIDLmt1-CUH6kwPT8oWiQvDM1CudcYkoWsEjucR0To9V0GW1zmKQn3QFc4I1Iat_jIoYDsYwIA84TDbgdQ","e":"AQAB","d":"Cz52oz8vKaNp0nDkbIQ6bJVEJzWv8iuUQQSU2YLueD_Vhe-Vr4rotIdy7xTvuzsubwh7XgXKVxmMjUSHWSr2MC1JS6pTfVvtB8F0oNeejlUmNPH8k8w91V4nO4gV0ePQhUcRvkI54Qtl5Pz3Vtyo194NUoVD-7i1kz5_fvbOO6qBkGPwdIHqwNqHJ6O0gih2ZoiusMFwxYczCDHemV3RMGGGcHEpMksLzRojPgZUSeVEUTu7vdtHy_D8zA3ML8EZfX7v55kv2ShFhSQiFUn15pv5DQs5r9vc6EDPup1n0dGYsX71rIAljkEaZCu2XwSP0sRb9DBGzeWupFHbtp30Kw","p":"20RKubgA6XunVnsNoBIs-j_NBEKMaOwxZraYtdWS98NP4QfzonwNPyXbh1sTTlBGHVLGhomdcmnVUMm6qYBViQN2y7uEQ87_IUxM0jJagnEmpULeVsEHk0YLc9qXQsOcz2JQCQFTDVEjrxG6ZEQXroal7ppKSXSpNZk4Lvsk0oM","q":"zXTVr9o0IQDFzt1i6UABvGJM8ITZvxrbcH-jg_QLCzu9QambmvFzKDx2gfHzzzoN9SSXH3ZRz_x5dDeMcjax_5ulALd6ErP9AqGm3IuTNOu40LzuAtTXg4uFCtOqNCbSqrHDTyo8MgwrAOYWpJg8KkXKEalkw1-MHlIckx1ur6c","dp":"0iBXEDWywg4bJjhUrWLdsZB007FGx8IZ8ZnpLNCYwFFu-nNZWwxQ0YRhJgz0qmcpWi6aTBITTbL4lyxLcuamkeA89y8jqKv1OZ7aO9G_hSQUael0E2V28f79OLBxpqy5WNCZbJfVVHy-mqZ9nlrW6wzkdY1sxYpEIjZMblGFTys","dq":"UxE2yDeftew7Da1CrW2chg70bpY392UjbbOdZ99Gi88mcKLjb9zJI252t4kcex9Mv12A4E6VO1Mnw84lsZPdmavTJZwI9gDhfavf6_FenhnkCjkovepSDDRfoQX9HcLIkAz5G0vHNLDovh9I7llCkhDPZx6mx7scyrGGLhDLTKc","qi":"l3Yo7rnA9Crukh2P1iUDyE7sm8geV4RH24aEZBz890ZfmAKHI2tksS85QmbRO6cy3tRXFHl0CpT87K5qPKnHWUZyA2fnwqXSX-NZDke2-v-URxHvMUP7j72Zerc4-a1RhS7TW-FMbZoGwWrm6yX-z3HAV-NV0Dl2sUDlvxucuCM"}]';

// The settings are parsed per request: the verdict on a value is kept (values, not keys or clients).
const verdicts = new Map<string, string | null>();

/** Checks the secret's shape (synchronously, for the settings check); the reason when it is wrong. */
export function signingKeysProblem(json: string): string | null {
  let verdict = verdicts.get(json);
  if (verdict === undefined) {
    verdict = shapeProblem(json);
    if (verdicts.size > 8) verdicts.clear();
    verdicts.set(json, verdict);
  }
  return verdict;
}

function shapeProblem(json: string): string | null {
  let keys: unknown;
  try {
    keys = JSON.parse(json);
  } catch {
    return "must be a JSON array of RSA private keys (JWK), each with a kid: npm run keys -- new";
  }
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 3) return "must be a JSON array of 1 to 3 RSA keys (JWK)";
  const kids = new Set<string>();
  for (const [i, key] of keys.entries()) {
    if (typeof key !== "object" || key === null) return `key ${i + 1} is not a JWK object`;
    const { kty, kid, n, e, d } = key as Record<string, unknown>;
    if (kty !== "RSA" || typeof n !== "string" || typeof e !== "string") return `key ${i + 1} must be an RSA JWK (kty "RSA", n, e)`;
    if (typeof kid !== "string" || !/^[\w.-]{1,64}$/.test(kid) || kids.has(kid))
      return `key ${i + 1} needs its own kid (letters, digits, . _ -)`;
    if (n.length < 342) return `key ${i + 1} is shorter than 2048 bits`;
    if (i === 0 && typeof d !== "string") return "the first key signs: it must be a private key (with d)";
    kids.add(kid);
  }
  return null;
}

// Importing an RSA key costs milliseconds: once per isolate per secret value. Only keys are
// kept (no client, no binding), and a new secret value is a new entry.
const imported = new Map<string, Promise<SigningKeys>>();

export function signingKeys(json: string): Promise<SigningKeys> {
  let keys = imported.get(json);
  if (!keys) {
    keys = importKeys(json);
    imported.set(json, keys);
    keys.catch(() => imported.delete(json));
  }
  return keys;
}

async function importKeys(json: string): Promise<SigningKeys> {
  const jwks: JWK[] = [];
  const verifying = new Map<string, CryptoKey>();
  let signing: SigningKeys["signing"] | undefined;
  for (const [i, { kid, kty, n, e, d, p, q, dp, dq, qi }] of (JSON.parse(json) as JWK[]).entries()) {
    const publicJwk: JWK = { kty, n, e, kid, alg: "RS256", use: "sig" };
    const key = (await importJWK(publicJwk, "RS256")) as CryptoKey;
    verifying.set(kid!, key);
    jwks.push(await exportPublic(publicJwk, key));
    if (i === 0) signing = { kid: kid!, key: (await importJWK({ kty, n, e, d, p, q, dp, dq, qi }, "RS256")) as CryptoKey };
  }
  return { signing: signing!, jwks, verifying };
}

async function exportPublic(jwk: JWK, key: CryptoKey): Promise<JWK> {
  return { ...(await exportJWK(key)), kid: jwk.kid, alg: "RS256", use: "sig" };
}

/** Signs claims as a JWT of type `typ` with the signing key. */
export async function sign(keys: SigningKeys, typ: string, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: keys.signing.kid, typ }).sign(keys.signing.key);
}

/** Verifies a JWT we signed (any published key); throws when it does not verify. */
export async function verify(keys: SigningKeys, token: string, options: JWTVerifyOptions) {
  return jwtVerify(
    token,
    async (header) => {
      const key = header.kid === undefined ? undefined : keys.verifying.get(header.kid);
      if (!key) throw new Error("unknown key");
      return key;
    },
    { algorithms: ["RS256"], ...options },
  );
}
