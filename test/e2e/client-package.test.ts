import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { clientTypes } from "../../scripts/lib/client-types.ts";

// Outside review 3, item 11: `import type { AppType } from "edge-auth/src/index"` failed in a
// separate project (34 errors from the Worker's own types). The package's entry is a generated
// declaration file that needs only `hono`.
const root = path.resolve(import.meta.dirname, "../..");
let project: string;

beforeAll(() => {
  // A project with only hono and typescript, and edge-auth installed from a path (npm links it).
  project = mkdtempSync(path.join(os.tmpdir(), "edge-auth-consumer-"));
  mkdirSync(path.join(project, "node_modules"));
  for (const name of ["hono", "typescript"])
    symlinkSync(path.join(root, "node_modules", name), path.join(project, "node_modules", name), "dir");
  symlinkSync(root, path.join(project, "node_modules/edge-auth"), "dir");
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
  writeFileSync(
    path.join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM"],
      },
      include: ["*.ts"],
    }),
  );
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const compile = (source: string) => {
  writeFileSync(path.join(project, "client.ts"), source);
  const result = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", project], { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

const client = (body: string) => `import { hc } from "hono/client";
import type { AppType } from "edge-auth";
const auth = hc<AppType>("https://auth.example.com", { init: { credentials: "include" } });
export async function run() {
${body}
}
`;

it("types/index.d.ts is the one the current source makes (npm run types:client writes it)", () => {
  expect(readFileSync(path.join(root, "types/index.d.ts"), "utf8")).toBe(clientTypes());
});

it("compiles in a project that has only hono and typescript (strict, skipLibCheck)", () => {
  const result = compile(
    client(`  const registered = await auth.users.$post({ json: { email: "bob@example.com", password: "pw" } });
  if (registered.ok) {
    const { email, message } = await registered.json();
    const check: "user created" = message;
    void email, check;
  }
  const login = await auth.sessions.$post({ json: { email: "bob@example.com", password: "pw" } });
  const profile = await auth.profile.$get({ cookie: { session_id: "x" } });
  if (profile.status === 200) void (await profile.json()).email.toUpperCase();
  void login;`),
  );
  expect(result.output).toBe("");
  expect(result.status).toBe(0);
});

it("still refuses a misspelt field, an unknown route and a wrong method", () => {
  const misspelt = compile(client(`  await auth.users.$post({ json: { emial: "bob@example.com", password: "pw" } });`));
  expect(misspelt.status).not.toBe(0);
  expect(misspelt.output).toMatch(/emial/);
  expect(compile(client(`  await auth.sign_up.$post({ json: {} });`)).status).not.toBe(0);
  expect(compile(client(`  await auth.profile.$post();`)).status).not.toBe(0);
});
