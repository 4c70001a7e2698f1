#!/usr/bin/env node
// The OpenID provider's signing keys (the OIDC_SIGNING_KEYS secret: a JSON array of RSA JWKs;
// the first signs, every one is published in the JWKS). Each command prints the new value:
//   npm run -s keys -- new                        > keys.json   (a first key)
//   npm run -s keys -- add-next --from keys.json  > next.json   (publish a new key; the old one still signs)
//   npm run -s keys -- promote  --from next.json  > now.json    (the new key signs; the old one only verifies)
//   npm run -s keys -- retire   --from now.json   > done.json   (drop the keys that no longer sign)
// then `npx wrangler secret put OIDC_SIGNING_KEYS --env <name> < <file>`. docs/oidc-provider.md has the timing.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const USAGE = "usage: npm run -s keys -- new | add-next --from <file> | promote --from <file> | retire --from <file>";

function fail(message) {
  console.error(`keys: ${message}`);
  process.exit(2);
}

/** A new RSA 2048 private key as a JWK, with a kid of its date and random letters. */
export function newKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString("hex")}`;
  return { kid, alg: "RS256", use: "sig", ...privateKey.export({ format: "jwk" }) };
}

/** A key that only verifies: its public part (a secret holds no more than it needs). */
export const publicPart = ({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use });

/** One step of a rotation, on the current array of keys. */
export function rotate(command, keys) {
  if (command === "new") return [newKey()];
  if (!Array.isArray(keys) || keys.length === 0) throw new Error("the file must hold the current OIDC_SIGNING_KEYS (a JSON array)");
  if (command === "add-next") {
    if (keys.length > 1) throw new Error("a next key is published already: promote it, or retire the old ones first");
    return [keys[0], newKey()];
  }
  if (command === "promote") {
    if (keys.length < 2 || !keys[1].d) throw new Error("no next key to promote: add-next first, and wait until clients have the new JWKS");
    return [keys[1], publicPart(keys[0])];
  }
  if (command === "retire") return [keys[0]];
  throw new Error(USAGE);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { from: { type: "string" } } });
  } catch (error) {
    fail(`${error.message}\n${USAGE}`);
  }
  const [command] = parsed.positionals;
  if (!["new", "add-next", "promote", "retire"].includes(command)) fail(USAGE);
  let keys;
  if (command !== "new") {
    if (!parsed.values.from) fail(`${command} needs --from <file> with the current keys\n${USAGE}`);
    try {
      keys = JSON.parse(readFileSync(parsed.values.from, "utf8"));
    } catch (error) {
      fail(`cannot read ${parsed.values.from}: ${error.message}`);
    }
  }
  try {
    process.stdout.write(`${JSON.stringify(rotate(command, keys))}\n`);
  } catch (error) {
    fail(error.message);
  }
}
