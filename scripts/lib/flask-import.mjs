// Turns the rows of a Flask-era users table into what edge-auth should hold, and says why for
// every row it does not take. Pure functions: the CLI (scripts/import-flask.mjs) reads and writes.

import { MAX_BCRYPT_COST, workerModule } from "./settings.mjs";

// The service's own email rules (src/auth/addresses.ts), not a copy: trimmed, NFC, lower-cased, at
// most 254 characters, nothing invisible, well-formed text, and a plain addr-spec (what
// registration takes now), so every imported account can be sent mail.
const email = await workerModule("src/auth/addresses.ts");
// Python's bcrypt writes $2b$; $2a$ and $2y$ are the same algorithm and bcryptjs reads them all.
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

export function normaliseEmail(raw) {
  return typeof raw === "string" ? email.normaliseEmail(raw) : "";
}

/** The original stored bcrypt's bytes, which SQLite keeps as a BLOB; later code stored text. */
export function hashText(raw) {
  if (raw instanceof Uint8Array) return new TextDecoder("utf-8", { fatal: false }).decode(raw);
  return typeof raw === "string" ? raw : "";
}

/**
 * rows: [{ id, email, hashed_password }] from the old table, any order.
 * Returns { users: [{ id, email, hashedPassword }], duplicates: [{ id, email, keptId }],
 * invalid: [{ id, email, reason }] }. Duplicates (in the form the service compares emails in)
 * keep the row with the lowest id.
 */
export function planImport(rows) {
  const users = [];
  const duplicates = [];
  const invalid = [];
  const kept = new Map();
  for (const row of [...rows].sort((a, b) => Number(a.id) - Number(b.id))) {
    const address = normaliseEmail(row.email);
    const hashedPassword = hashText(row.hashed_password);
    if (email.emailProblem(address) !== undefined) {
      invalid.push({ id: row.id, email: String(row.email), reason: "not a valid email address" });
    } else if (!email.isPlainAddress(address)) {
      // The service takes only plain addresses for accounts (no display name, quotes, <>()[],;:\).
      invalid.push({ id: row.id, email: String(row.email), reason: "not a plain address (mail could not be sent to it safely)" });
    } else if (!BCRYPT_HASH.test(hashedPassword)) {
      invalid.push({ id: row.id, email: address, reason: "hashed_password is not a bcrypt hash" });
    } else if (Number(hashedPassword.slice(4, 6)) > MAX_BCRYPT_COST) {
      // Its login would take longer than the CPU limit allows (docs/scaling.md#cpu-time).
      invalid.push({ id: row.id, email: address, reason: `bcrypt cost above ${MAX_BCRYPT_COST}, the highest the service checks` });
    } else if (kept.has(address)) {
      duplicates.push({ id: row.id, email: address, keptId: kept.get(address) });
    } else {
      kept.set(address, row.id);
      users.push({ id: row.id, email: address, hashedPassword });
    }
  }
  return { users, duplicates, invalid };
}
