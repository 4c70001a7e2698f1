#!/usr/bin/env node
// Imports the users of the Flask + SQLAlchemy original (its SQLite file, usually a.db) into
// edge-auth's D1, keeping their bcrypt hashes so everyone logs in with their old password.
//   npm run import:flask -- path/to/a.db             into the local D1 (npm start / serve)
//   npm run import:flask -- path/to/a.db --remote --env production    into that environment's D1, through wrangler
// Sessions and reset tokens are not carried over (they were plaintext; everyone logs in again).
// Emails are trimmed and lower-cased as the service does; duplicates keep the lowest id; rows
// that cannot be imported and addresses already present are listed, never dropped silently:
// up to 20 of each kind on screen, and when there are more (or with --quiet), every one of them
// in import-flask-<time>.log in the system's temporary directory, whose path is printed.
//   npm run import:flask -- path/to/a.db --quiet    only the summary table (and the log's path)
//   npm run import:flask -- --help
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import initSqlJs from "sql.js";
import { planImport } from "./lib/flask-import.mjs";
import { defaultPersistRoot, migrateLocal, openLocalD1, root } from "./lib/local-server.mjs";
import { progressLine } from "./lib/seed-users.mjs";

/** Skipped rows of one kind shown on screen; the rest are counted, and all are in the log file. */
const SCREENFUL = 20;

const usage = "usage: npm run import:flask -- <path to a.db> [--remote --env <staging|production>] [--persist-to <dir>] [--quiet]";
const help = `${usage}

Imports the users of the Flask + SQLAlchemy original (its SQLite file, usually a.db) into
edge-auth's D1 with their bcrypt hashes, so everyone logs in with their old password. Sessions
and reset tokens are not carried over. Emails are trimmed and lower-cased as the service does;
duplicates keep the lowest id; invalid rows and addresses already in edge-auth are skipped and
reported. Running it again is harmless.

  --remote --env <name>  into that environment's deployed D1 through wrangler (after wrangler
                       login, or with CLOUDFLARE_API_TOKEN); applies the migrations there first
  --persist-to <dir>   local state directory (default .wrangler/state, the one npm start and
                       npm run serve use)
  --quiet              print only the summary table (and the path of the skipped-rows log)
  -h, --help           this text

Skipped rows are listed per kind (duplicate, invalid, already present), at most ${SCREENFUL} of each;
when a kind has more, or with --quiet, the full list goes to import-flask-<time>.log in
${os.tmpdir()} and its path is printed.`;
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      remote: { type: "boolean", default: false },
      env: { type: "string" },
      "persist-to": { type: "string" },
      quiet: { type: "boolean", short: "q", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (parsed.values.help) {
  console.log(help);
  process.exit(0);
}
const quiet = parsed.values.quiet;
const [file] = parsed.positionals;
if (!file || parsed.positionals.length > 1 || (parsed.values.remote && parsed.values["persist-to"])) {
  console.error(usage);
  process.exit(2);
}
// The top level of wrangler.toml is for local development (its database id is a placeholder):
// a remote import names the environment whose database it goes into, as npm run deploy does.
const remoteEnv = parsed.values.env ?? (process.env.CLOUDFLARE_ENV || undefined);
if (parsed.values.remote ? !remoteEnv : parsed.values.env !== undefined) {
  console.error(
    parsed.values.remote
      ? `import:flask: say which environment's D1 to import into: --remote --env staging or --env production\n${usage}`
      : `import:flask: --env goes with --remote (without it the import goes into the local D1)\n${usage}`,
  );
  process.exit(2);
}
/** Fails the run with one clear line (no stack trace) and exit code 1. */
function fail(reason) {
  console.error(`import:flask: ${file}: ${reason}`);
  process.exit(1);
}

if (!existsSync(file)) {
  console.error(`import:flask: no such file: ${file}`);
  process.exit(2);
}
const stats = statSync(file);
if (!stats.isFile()) fail("not a file");
if (stats.size === 0) fail("empty file, not a SQLite database");

// D1 accepts at most 100 bound parameters per statement: 2 per user.
const ROWS_PER_STATEMENT = 45;
const STATEMENTS_PER_BATCH = 20;

/** A problem with the input, told to the user as it is. */
class ImportError extends Error {}

function readOldUsers(buffer) {
  const require = createRequire(import.meta.url);
  return initSqlJs({ locateFile: (name) => require.resolve(`sql.js/dist/${name}`) }).then((SQL) => {
    const db = new SQL.Database(buffer);
    try {
      const columns = new Set(db.exec("PRAGMA table_info(users)")[0]?.values.map((row) => row[1]) ?? []);
      if (columns.size === 0) throw new ImportError("no users table: is this the Flask app's a.db?");
      const missing = ["id", "email", "hashed_password"].filter((column) => !columns.has(column));
      if (missing.length) throw new ImportError(`the users table has no ${missing.join(", ")} column`);
      const statement = db.prepare("SELECT id, email, hashed_password FROM users ORDER BY id");
      const rows = [];
      while (statement.step()) rows.push(statement.getAsObject());
      statement.free();
      return rows;
    } finally {
      db.close();
    }
  });
}

function insertStatement(count) {
  // Imported users count as verified: the Flask original had them for years, with no way to verify.
  return `INSERT INTO users (email, hashed_password, email_verified_at) VALUES ${Array(count).fill("(?, ?, unixepoch())").join(", ")} ON CONFLICT(email) DO NOTHING`;
}

/** Local: through Miniflare's D1, in batches; returns the emails it inserted. */
async function importLocal(users, persistRoot) {
  migrateLocal(persistRoot);
  const { db, dispose } = await openLocalD1(persistRoot);
  const inserted = [];
  try {
    const progress = quiet ? () => {} : progressLine("importing users");
    for (let i = 0; i < users.length; i += ROWS_PER_STATEMENT * STATEMENTS_PER_BATCH) {
      const slice = users.slice(i, i + ROWS_PER_STATEMENT * STATEMENTS_PER_BATCH);
      const statements = [];
      for (let j = 0; j < slice.length; j += ROWS_PER_STATEMENT) {
        const chunk = slice.slice(j, j + ROWS_PER_STATEMENT);
        statements.push(
          db.prepare(`${insertStatement(chunk.length)} RETURNING email`).bind(...chunk.flatMap((u) => [u.email, u.hashedPassword])),
        );
      }
      for (const result of await db.batch(statements)) inserted.push(...result.results.map((r) => r.email));
      progress(Math.min(i + slice.length, users.length), users.length);
    }
  } finally {
    await dispose();
  }
  return inserted;
}

/** Remote: one SQL file through `wrangler d1 execute --remote` (needs `wrangler login`). */
function importRemote(users) {
  const quote = (value) => `'${String(value).replaceAll("'", "''")}'`;
  const lines = [];
  for (let i = 0; i < users.length; i += ROWS_PER_STATEMENT) {
    const chunk = users.slice(i, i + ROWS_PER_STATEMENT);
    lines.push(
      `INSERT INTO users (email, hashed_password, email_verified_at) VALUES ${chunk.map((u) => `(${quote(u.email)}, ${quote(u.hashedPassword)}, unixepoch())`).join(", ")} ON CONFLICT(email) DO NOTHING;`,
    );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "edge-auth-import-"));
  try {
    const sqlFile = path.join(dir, "import.sql");
    writeFileSync(sqlFile, `${lines.join("\n")}\n`);
    // The remote database gets the same schema first, as `npm run deploy` would.
    execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--remote", "--env", remoteEnv], {
      cwd: root,
      stdio: ["ignore", quiet ? "ignore" : "inherit", "inherit"],
      env: { ...process.env, CI: "true" },
    });
    if (!quiet) console.error(`importing ${users.length} users into the remote D1 with wrangler...`);
    const out = execFileSync(
      "npx",
      ["wrangler", "d1", "execute", "DB", "--remote", "--env", remoteEnv, "--yes", "--file", sqlFile, "--json"],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    const results = JSON.parse(out);
    return (Array.isArray(results) ? results : [results]).reduce((n, r) => n + (r?.meta?.changes ?? 0), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let rows;
try {
  rows = await readOldUsers(readFileSync(file));
} catch (error) {
  // sql.js says "file is not a database" for anything that is not SQLite.
  fail(error instanceof ImportError ? error.message : `cannot read it as SQLite (${String(error.message).split("\n")[0]})`);
}
const plan = planImport(rows);

let insertedCount;
let alreadyPresent = [];
try {
  if (parsed.values.remote) {
    insertedCount = importRemote(plan.users);
  } else {
    const inserted = new Set(await importLocal(plan.users, parsed.values["persist-to"] ?? defaultPersistRoot));
    insertedCount = inserted.size;
    alreadyPresent = plan.users.filter((u) => !inserted.has(u.email));
  }
} catch (error) {
  fail(`nothing was confirmed imported: ${String(error.message).split("\n")[0]}`);
}

// Every skipped row, by kind. A re-import of a large file would otherwise print a line per user.
const skipped = [
  { kind: "duplicates", lines: plan.duplicates.map((d) => `duplicate: id ${d.id} (${d.email}) skipped, kept id ${d.keptId}`) },
  {
    kind: "invalid rows",
    lines: plan.invalid.map((r) => `invalid: id ${r.id} (${JSON.stringify(r.email)}) skipped: ${r.reason}`),
  },
  {
    kind: "already present",
    lines: alreadyPresent.map((u) => `already present: id ${u.id} (${u.email}) skipped, the existing edge-auth account is kept`),
  },
];
const skippedCount = skipped.reduce((n, { lines }) => n + lines.length, 0);
const truncated = skipped.some(({ lines }) => lines.length > SCREENFUL);

const summary = [
  ["rows read", rows.length],
  ["imported", insertedCount],
  ["duplicates skipped (lowest id kept)", plan.duplicates.length],
  ["invalid rows skipped", plan.invalid.length],
  [
    parsed.values.remote ? "already present (not inserted)" : "already present, existing kept",
    parsed.values.remote ? plan.users.length - insertedCount : alreadyPresent.length,
  ],
];
const width = Math.max(...summary.map(([label]) => label.length));
const summaryLines = [
  `import:flask ${file} -> ${parsed.values.remote ? `remote D1 (${remoteEnv})` : "local D1"}`,
  ...summary.map(([label, n]) => `  ${label.padEnd(width)}  ${n}`),
];

/** The full list, when the screen does not show it all; returns its path, or null if not needed. */
function writeLog() {
  if (skippedCount === 0 || !(truncated || quiet)) return null;
  const stamp = new Date()
    .toISOString()
    .replaceAll(":", "")
    .replace(/\.\d+Z$/, "Z");
  const logFile = path.join(os.tmpdir(), `import-flask-${stamp}-${process.pid}.log`);
  const sections = skipped
    .filter(({ lines }) => lines.length)
    .map(({ kind, lines }) => `# ${kind} (${lines.length})\n${lines.join("\n")}\n`);
  try {
    writeFileSync(logFile, `${summaryLines.join("\n")}\n\n${sections.join("\n")}`);
  } catch (error) {
    console.error(`import:flask: could not write the list of skipped rows to ${logFile}: ${error.message}`);
    return null;
  }
  return logFile;
}
const logFile = writeLog();
const logLine = logFile && `all ${skippedCount} skipped rows, one per line: ${logFile}`;

if (!quiet) {
  for (const { kind, lines } of skipped) {
    for (const line of lines.slice(0, SCREENFUL)) console.log(line);
    if (lines.length > SCREENFUL) console.log(`... and ${lines.length - SCREENFUL} more ${kind}`);
  }
  if (logLine) console.log(logLine);
  console.log("");
}
for (const line of summaryLines) console.log(line);
if (quiet) {
  if (logLine) console.log(logLine);
} else {
  console.log("Sessions and reset tokens were not carried over: users log in again with their old passwords.");
}
