#!/usr/bin/env node
// The OpenID provider's clients (the apps that sign in through edge-auth), in the local D1 by
// default, another local state with --persist-to (as wrangler's), or a deployment's with --env:
//   npm run clients -- add --name "My app" --redirect-uri https://app.example.com/callback [--json]
//   npm run clients -- list | remove <client_id> | rotate-secret <client_id>
// A secret is shown once and stored as its SHA-256 (256 random bits: no need for a slow hash).
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { defaultPersistRoot, migrateLocal, openLocalD1 } from "./lib/local-server.mjs";

const USAGE = `usage: npm run clients -- add --name <name> --redirect-uri <uri> [--redirect-uri <uri>...] [--post-logout-redirect-uri <uri>...]
                            [--public] [--first-party] [--json] [--env <name> | --persist-to <dir>]
       npm run clients -- list [--json] [--env <name> | --persist-to <dir>]
       npm run clients -- remove <client_id> [--env <name> | --persist-to <dir>]
       npm run clients -- rotate-secret <client_id> [--json] [--env <name> | --persist-to <dir>]`;

function fail(message) {
  console.error(`clients: ${message}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      "redirect-uri": { type: "string", multiple: true, default: [] },
      "post-logout-redirect-uri": { type: "string", multiple: true, default: [] },
      public: { type: "boolean", default: false },
      "first-party": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      env: { type: "string" },
      "persist-to": { type: "string" },
    },
  });
} catch (error) {
  fail(`${error.message}\n${USAGE}`);
}
const { values, positionals } = parsed;
const [command, clientId] = positionals;
if (!["add", "list", "remove", "rotate-secret"].includes(command)) fail(`no such command ${JSON.stringify(command ?? "")}\n${USAGE}`);
if (values.env && values["persist-to"]) fail("--env and --persist-to exclude each other: a deployment's D1, or a local one");

/**
 * A redirect URI an app may register: absolute, no fragment; https, or http on this machine
 * (localhost, 127.0.0.1, [::1]), or a native app's private-use scheme (com.example.app:/cb).
 */
function redirectUriProblem(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    return "is not an absolute URL";
  }
  if (url.hash || value.includes("#")) return "must not have a fragment (#)";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:")
    return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) ? null : "must be https (http only on localhost)";
  return /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)
    ? null
    : "must be https, http on localhost, or a private-use scheme such as com.example.app:";
}

/** Runs SQL on the chosen D1: local (bound parameters) or a deployment's (wrangler d1 execute --remote). */
async function database() {
  if (values.env) {
    const quote = (v) => (v === null ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
    return {
      async all(sql, params = []) {
        let i = 0;
        const text = sql.replace(/\?/g, () => quote(params[i++]));
        const out = execFileSync("npx", ["wrangler", "d1", "execute", "DB", "--remote", "--env", values.env, "--json", "--command", text], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        });
        return JSON.parse(out)[0]?.results ?? [];
      },
      dispose() {},
    };
  }
  const persistRoot = values["persist-to"] ?? defaultPersistRoot;
  migrateLocal(persistRoot);
  const { db, dispose } = await openLocalD1(persistRoot);
  return {
    async all(sql, params = []) {
      return (
        await db
          .prepare(sql)
          .bind(...params)
          .all()
      ).results;
    },
    dispose,
  };
}

const newSecret = () => randomBytes(32).toString("base64url");
const digest = (secret) => createHash("sha256").update(secret).digest("hex");

// Arguments are checked before the database is opened (and migrated): a mistake costs nothing.
const name = values.name?.trim();
const uris = values["redirect-uri"];
if (command === "add") {
  if (!name || name.length > 60 || /[\u0000-\u001f<>]/.test(name))
    fail("--name is required: 1 to 60 characters, no < > or control characters");
  if (uris.length === 0) fail("at least one --redirect-uri is required");
  for (const uri of [...uris, ...values["post-logout-redirect-uri"]]) {
    const problem = redirectUriProblem(uri);
    if (problem) fail(`${uri} ${problem}`);
  }
}
if (command !== "add" && command !== "list" && !clientId) fail(`${command} needs a client_id\n${USAGE}`);

const db = await database();
try {
  if (command === "add") {
    const id = randomBytes(16).toString("hex");
    const secret = values.public ? null : newSecret();
    await db.all(
      "INSERT INTO oauth_clients (id, name, secret_hash, redirect_uris, post_logout_redirect_uris, first_party, created_at) VALUES (?, ?, ?, ?, ?, ?, unixepoch())",
      [
        id,
        name,
        secret && digest(secret),
        JSON.stringify(uris),
        JSON.stringify(values["post-logout-redirect-uri"]),
        values["first-party"] ? 1 : 0,
      ],
    );
    // A public client (a browser app) calls the token endpoint from its pages: CORS for its origins.
    if (values.public) {
      for (const origin of new Set(
        uris
          .map((u) => new URL(u))
          .filter((u) => /^https?:$/.test(u.protocol))
          .map((u) => u.origin),
      )) {
        await db.all("INSERT OR IGNORE INTO oauth_client_origins (origin, client_id) VALUES (?, ?)", [origin, id]);
      }
    }
    if (!values.json) {
      console.log(
        `added ${values.public ? "public" : "confidential"} client "${name}"${values["first-party"] ? " (first-party: no consent page)" : ""}`,
      );
      console.log(`client_id:     ${id}`);
      if (secret) console.log(`client_secret: ${secret}   (shown this once; stored hashed)`);
    }
    console.log(values.json ? JSON.stringify(secret ? { client_id: id, client_secret: secret } : { client_id: id }) : "");
  } else if (command === "list") {
    const rows = await db.all(
      "SELECT id, name, secret_hash IS NULL AS public, first_party, redirect_uris, created_at FROM oauth_clients ORDER BY created_at",
    );
    const clients = rows.map((r) => ({
      client_id: r.id,
      name: r.name,
      public: Boolean(r.public),
      first_party: Boolean(r.first_party),
      redirect_uris: JSON.parse(r.redirect_uris),
    }));
    if (values.json) console.log(JSON.stringify(clients));
    else if (clients.length === 0) console.log("no clients");
    else
      for (const c of clients)
        console.log(
          `${c.client_id}  ${c.name}${c.public ? "  (public)" : ""}${c.first_party ? "  (first-party)" : ""}  ${c.redirect_uris.join(" ")}`,
        );
  } else {
    if (!clientId) fail(`${command} needs a client_id\n${USAGE}`);
    const [found] = await db.all("SELECT secret_hash FROM oauth_clients WHERE id = ?", [clientId]);
    if (!found) fail(`no client ${clientId}`);
    if (command === "remove") {
      // Its codes, grants, refresh tokens and consents go with it (ON DELETE CASCADE).
      await db.all("DELETE FROM oauth_clients WHERE id = ?", [clientId]);
      console.log(`removed ${clientId}: its tokens no longer work`);
    } else {
      if (found.secret_hash === null) fail(`${clientId} is a public client: it has no secret`);
      const secret = newSecret();
      await db.all("UPDATE oauth_clients SET secret_hash = ? WHERE id = ?", [digest(secret), clientId]);
      if (!values.json) console.log(`new client_secret: ${secret}   (shown this once; the old one stopped working)`);
      else console.log(JSON.stringify({ client_id: clientId, client_secret: secret }));
    }
  }
} finally {
  await db.dispose();
}
