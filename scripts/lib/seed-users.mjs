// Inserts users user<first>..user<last>@seed.example sharing one precomputed bcrypt hash, with
// set-based INSERTs of CHUNK rows each (no per-user hashing). Existing addresses are skipped.
import bcrypt from "bcryptjs";

const CHUNK = 50_000;

export function seedEmail(n) {
  return `user${n}@seed.example`;
}

/** `db` is a D1Database (from Miniflare or getPlatformProxy). Returns the number inserted. */
export async function seedUsers(db, { total, password = "password", cost = 10, onProgress = () => {} }) {
  const hash = await bcrypt.hash(password, cost);
  let inserted = 0;
  for (let first = 1; first <= total; first += CHUNK) {
    const last = Math.min(total, first + CHUNK - 1);
    const result = await db
      .prepare(
        // D1 binds JS numbers as REAL: cast so the address reads user1, not user1.0.
        `WITH RECURSIVE seq(n) AS (SELECT ?1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?2)
         INSERT OR IGNORE INTO users (email, hashed_password)
         SELECT 'user' || CAST(n AS INTEGER) || '@seed.example', ?3 FROM seq`,
      )
      .bind(first, last, hash)
      .run();
    inserted += result.meta.changes ?? 0;
    onProgress(last, total);
  }
  return inserted;
}

/** A progress line that rewrites itself on a terminal (stderr, so stdout stays clean). */
export function progressLine(label) {
  const started = Date.now();
  return (done, total) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const line = `${label}: ${done.toLocaleString("en")}/${total.toLocaleString("en")} (${Math.floor((done / total) * 100)}%), ${seconds} s`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
    if (done === total && process.stderr.isTTY) process.stderr.write("\n");
  };
}
