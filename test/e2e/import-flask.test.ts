import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startService } from "./local-service.js";

// test/fixtures/flask-a.db was made by test/fixtures/make-flask-db.py with Python's bcrypt;
// these are the passwords it hashed.
const FIXTURE = path.resolve("test/fixtures/flask-a.db");
const OLD_USERS: [string, string][] = [
  ["alice@example.com", "alice-pw"],
  ["bob@example.com", "bob-pw"],
  ["carol@example.com", "carol-pw"],
  ["dave@example.com", "dave-pw"],
  ["frank@example.com", "pässwörd-ünïcode"],
];

const state = mkdtempSync(path.join(os.tmpdir(), "edge-auth-import-"));
let output = "";
let second = "";
let service: Awaited<ReturnType<typeof startService>>;

function runImport() {
  return execFileSync(process.execPath, ["scripts/import-flask.mjs", FIXTURE, "--persist-to", state], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

beforeAll(async () => {
  output = runImport();
  second = runImport();
  // Logins need a verified address here: imported users count as verified.
  service = await startService({ persistRoot: state, vars: { REQUIRE_EMAIL_VERIFICATION: "true", MAIL_TRANSPORT: "email-service" } });
});

afterAll(async () => {
  await service?.stop();
  rmSync(state, { recursive: true, force: true });
});

async function logIn(email: string, password: string) {
  return fetch(`${service.url}/sessions`, {
    method: "POST",
    body: new URLSearchParams({ email, password }),
    headers: { "CF-Connecting-IP": `10.9.0.${Math.floor(Math.random() * 250)}` },
  });
}

it("imports the Flask users and prints a summary with every skipped row and why", () => {
  expect(output).toMatch(/rows read\s+9/);
  expect(output).toMatch(/imported\s+5/);
  expect(output).toMatch(/duplicates skipped \(lowest id kept\)\s+2/);
  expect(output).toMatch(/invalid rows skipped\s+2/);
  expect(output).toContain("duplicate: id 3 (bob@example.com) skipped, kept id 2");
  expect(output).toContain("duplicate: id 4 (alice@example.com) skipped, kept id 1");
  expect(output).toContain('invalid: id 7 ("eve@example.com") skipped: hashed_password is not a bcrypt hash');
  expect(output).toContain('invalid: id 8 ("not an email") skipped: not a valid email address');
});

it("is safe to run again: nothing doubles, existing accounts are kept and reported", () => {
  expect(second).toMatch(/imported\s+0/);
  expect(second).toMatch(/already present, existing kept\s+5/);
});

it("every imported user logs in with the old password (Python bcrypt hashes, $2b$ and $2a$, BLOB or text), verified", async () => {
  for (const [email, password] of OLD_USERS) {
    const response = await logIn(email, password);
    expect(response.status, email).toBe(200);
    expect(await response.json()).toEqual({ email, message: "logged in" });
  }
});

it("a new registration on the same service is not verified yet, so REQUIRE_EMAIL_VERIFICATION refuses it (the imported ones were let in)", async () => {
  const email = `new-${Date.now()}@example.com`;
  await fetch(`${service.url}/users`, { method: "POST", body: new URLSearchParams({ email, password: "pw" }) });
  expect((await logIn(email, "pw")).status).toBe(403);
});

it("duplicates resolved to the lowest id: the later row's password does not work", async () => {
  expect((await logIn("bob@example.com", "bob-other-pw")).status).toBe(401);
  expect((await logIn("alice@example.com", "alice-second-pw")).status).toBe(401);
});

it("sessions and reset tokens were not carried over", async () => {
  const profile = await fetch(`${service.url}/profile`, { headers: { Cookie: "session_id=3f0b4c1e-session-of-alice" } });
  expect(profile.status).toBe(403);
  const reset = await fetch(`${service.url}/reset_password`, {
    method: "PUT",
    body: new URLSearchParams({ email: "alice@example.com", reset_token: "a-reset-token", new_password: "x" }),
  });
  expect(reset.status).toBe(403);
});

function runFailing(args: string[]): { status: number; stderr: string } {
  try {
    execFileSync(process.execPath, ["scripts/import-flask.mjs", ...args], { stdio: "pipe" });
    return { status: 0, stderr: "" };
  } catch (error) {
    const { status, stderr } = error as { status: number; stderr: Buffer };
    return { status, stderr: stderr.toString() };
  }
}

it("refuses bad arguments with a usage line", () => {
  expect(runFailing(["/nonexistent.db"]).status).toBe(2);
  expect(runFailing([]).status).toBe(2);
});

it("says in one line, without a stack trace, why a file cannot be imported", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "edge-auth-bad-"));
  try {
    const notSqlite = path.join(dir, "notes.txt");
    writeFileSync(notSqlite, "hello, not a database");
    const empty = path.join(dir, "empty.db");
    writeFileSync(empty, "");
    for (const [file, reason] of [
      [notSqlite, "cannot read it as SQLite"],
      [empty, "empty file"],
      [dir, "not a file"],
    ]) {
      const { status, stderr } = runFailing([file, "--persist-to", path.join(dir, "state")]);
      expect(status, file).toBe(1);
      expect(stderr).toContain(`import:flask: ${file}: ${reason}`);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
