import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as client from "openid-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startService } from "./local-service.js";
import { logIn } from "./oidc-helpers.js";

// npm run clients (and npm run keys), as a developer runs them, against a local state of their own.
const persistRoot = mkdtempSync(path.join(os.tmpdir(), "clients-"));
let service: Awaited<ReturnType<typeof startService>>;

/**
 * Runs the script without blocking the event loop: a blocked loop would not see the server close
 * an idle keep-alive socket, and the next fetch would fail on it.
 */
const clients = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn("node", ["scripts/clients.mjs", ...args, "--persist-to", persistRoot]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });

beforeAll(async () => {
  service = await startService({ persistRoot });
});
afterAll(async () => {
  await service?.stop();
});

it("npm run clients adds a client whose last --json line works with openid-client; list, rotate-secret, remove", async () => {
  const redirectUri = "http://127.0.0.1:9/cb";
  const added = await clients("add", "--name", "Script App", "--redirect-uri", redirectUri, "--first-party", "--json");
  expect(added.status, added.stderr).toBe(0);
  const { client_id, client_secret } = JSON.parse(added.stdout.trim().split("\n").at(-1)!) as { client_id: string; client_secret: string };
  expect(client_secret).toMatch(/^[\w-]{43}$/);

  const config = await client.discovery(new URL(service.url), client_id, client_secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  const cookie = await logIn(service.url, `script-${Date.now()}@example.com`, "pw-script");
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: "s",
  });
  const answer = await fetch(url, { headers: { cookie }, redirect: "manual" });
  const location = new URL(answer.headers.get("location")!);
  expect(
    (await client.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: "s" })).access_token,
  ).toBeTruthy();

  const listed = JSON.parse((await clients("list", "--json")).stdout) as { client_id: string; name: string; first_party: boolean }[];
  expect(listed).toContainEqual(expect.objectContaining({ client_id, name: "Script App", first_party: true }));
  // The secret is stored hashed: not in the local database file.
  const dump = execFileSync(
    "sqlite3",
    [execFileSync("sh", ["-c", `ls ${persistRoot}/v3/d1/*/*.sqlite | head -1`], { encoding: "utf8" }).trim(), ".dump oauth_clients"],
    {
      encoding: "utf8",
    },
  );
  expect(dump).not.toContain(client_secret);

  const rotated = await clients("rotate-secret", client_id, "--json");
  const fresh = (JSON.parse(rotated.stdout.trim().split("\n").at(-1)!) as { client_secret: string }).client_secret;
  expect(fresh).not.toBe(client_secret);
  const stale = await client.discovery(new URL(service.url), client_id, client_secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  await expect(client.refreshTokenGrant(stale, "x")).rejects.toMatchObject({ error: "invalid_client" });

  expect((await clients("remove", client_id)).status).toBe(0);
  expect((JSON.parse((await clients("list", "--json")).stdout) as unknown[]).length).toBe(0);
});

it("npm run clients refuses what a client must not register, in one line", async () => {
  for (const [args, message] of [
    [["add", "--name", "X", "--redirect-uri", "http://evil.example/cb"], "must be https (http only on localhost)"],
    [["add", "--name", "X", "--redirect-uri", "https://app.example/cb#frag"], "must not have a fragment"],
    [["add", "--redirect-uri", "https://app.example/cb"], "--name is required"],
    [["remove", "nope"], "no client nope"],
    [["launch"], "no such command"],
  ] as const) {
    const run = await clients(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
  }
});

it("npm run keys makes keys the settings check accepts, and rotates them in steps", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "keys-"));
  const step = (command: string, from?: string) =>
    execFileSync("node", ["scripts/keys.mjs", command, ...(from ? ["--from", from] : [])], { encoding: "utf8" });
  const save = (name: string, text: string) => (writeFileSync(path.join(dir, name), text), path.join(dir, name));
  const first = save("1.json", step("new"));
  const next = save("2.json", step("add-next", first));
  const promoted = save("3.json", step("promote", next));
  const keys = (file: string) => JSON.parse(execFileSync("cat", [file], { encoding: "utf8" })) as { kid: string; d?: string }[];
  expect(keys(next).map((k) => Boolean(k.d))).toEqual([true, true]);
  expect(keys(promoted)[0]!.kid).toBe(keys(next)[1]!.kid);
  expect(keys(promoted)[1]!.d).toBeUndefined(); // the retired signer keeps only its public part
  expect(keys(save("4.json", step("retire", promoted)))).toHaveLength(1);
  for (const file of [first, next, promoted]) {
    const check = spawnSync(
      "node",
      [
        "--import",
        "tsx",
        "-e",
        `import("./src/config.ts").then(({ readConfig }) => readConfig({ PUBLIC_URL: "https://auth.example.org", ENCRYPTION_KEY: btoa("k".repeat(32)), OIDC_SIGNING_KEYS: require("fs").readFileSync(${JSON.stringify(file)}, "utf8") }))`,
      ],
      { encoding: "utf8" },
    );
    expect(check.status, check.stderr).toBe(0);
  }
});
