import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startService } from "./local-service.js";

/** A fake of Resend's API: records each request, answers with `status`. */
let provider: Server;
let status = 200;
const received: { path: string; authorization?: string; contentType?: string; body: Record<string, unknown> }[] = [];
let service: Awaited<ReturnType<typeof startService>>;
const output: string[] = [];

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  provider = createServer(async (request, response) => {
    received.push({
      path: request.url ?? "",
      authorization: request.headers.authorization,
      contentType: request.headers["content-type"],
      body: JSON.parse(await bodyOf(request)) as Record<string, unknown>,
    });
    response
      .writeHead(status, { "content-type": "application/json" })
      .end(JSON.stringify(status === 200 ? { id: "fake-id" } : { message: "boom" }));
  });
  await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
  const { port } = provider.address() as AddressInfo;
  service = await startService({
    vars: {
      MAIL_TRANSPORT: "resend",
      RESEND_API_KEY: "re_test_key",
      RESEND_API_URL: `http://127.0.0.1:${port}`,
      RESET_TOKEN_DELIVERY: "email",
    },
    onOutput: (line) => output.push(line),
  });
});

afterAll(async () => {
  await service?.stop();
  await new Promise((resolve) => provider?.close(resolve));
});

const post = (path: string, form: Record<string, string>) =>
  fetch(`${service.url}${path}`, {
    method: "POST",
    body: new URLSearchParams(form),
    headers: { "CF-Connecting-IP": `10.7.0.${received.length + 1}` },
  });

async function until(check: () => boolean) {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

it("sends through the HTTP provider: POST /emails, bearer key, JSON with from, to, subject, text and html", async () => {
  const email = `resend-${Date.now()}@example.com`;
  expect((await post("/users", { email, password: "pw" })).status).toBe(200);
  await until(() => received.length >= 1);
  expect(received[0]).toMatchObject({ path: "/emails", authorization: "Bearer re_test_key", contentType: "application/json" });
  expect(received[0]!.body).toMatchObject({
    from: "edge-auth <no-reply@edge-auth.localhost>",
    to: [email],
    subject: "Confirm your address for edge-auth",
  });
  expect(String(received[0]!.body.text)).toContain(`${service.url}/account/verify?token=`);
  expect(String(received[0]!.body.html)).toContain("<a href=");
});

it("a 500 from the provider changes nothing in the answer: the reset is still 200, the same as for an unknown address", async () => {
  status = 500;
  const email = `resend-fail-${Date.now()}@example.com`;
  const registered = received.length;
  await post("/users", { email, password: "pw" });
  await until(() => received.length > registered);
  const before = received.length;
  const known = await post("/reset_password", { email });
  const unknown = await post("/reset_password", { email: `nobody-${Date.now()}@example.com` });
  expect([known.status, unknown.status]).toEqual([200, 200]);
  await until(() => received.length > before);
  expect(received.length).toBe(before + 1);
  // The service is still up and answers the next request.
  expect((await fetch(`${service.url}/`)).status).toBe(200);
  // Each failure is one log line: which message, the error class, the provider's status.
  await until(() => output.some((line) => line.includes('"mail":"password-reset-link"')));
  const failure = output.find((line) => line.includes('"mail":"password-reset-link"'))!;
  expect(JSON.parse(failure)).toMatchObject({ level: "error", mail: "password-reset-link", sent: false, error: "MailError", status: 500 });
  expect(output.join("\n")).not.toContain(email);
  status = 200;
});
