import { expect, it } from "vitest";
import { call, loggedIn, register, uniqueEmail } from "../helpers";

async function loginAt(origin: string) {
  const email = uniqueEmail();
  await register(email);
  return call("POST", `${origin}/sessions`, { form: { email, password: "pw" } });
}

it("the session cookie is HttpOnly, SameSite=Lax, Path=/ and lives as long as the session", async () => {
  const cookie = (await loginAt("http://localhost")).headers.get("set-cookie")!;
  expect(cookie).toMatch(/^session_id=[0-9a-f-]{36};/);
  expect(cookie).toContain("HttpOnly");
  expect(cookie).toContain("SameSite=Lax");
  expect(cookie).toContain("Path=/");
  expect(cookie).toContain(`Max-Age=${30 * 24 * 3600}`);
  // Plain http (npm start on localhost) must keep working, so no Secure there.
  expect(cookie).not.toContain("Secure");
});

it("the session cookie is Secure when the request came over https", async () => {
  const cookie = (await loginAt("https://auth.example.com")).headers.get("set-cookie")!;
  expect(cookie).toContain("Secure");
});

it("logout answers with a cookie that clears the session cookie", async () => {
  const { cookie } = await loggedIn();
  const response = await call("DELETE", "/sessions", { cookie });
  const cleared = response.headers.get("set-cookie")!;
  expect(cleared).toMatch(/^session_id=;/);
  expect(cleared).toContain("Max-Age=0");
  expect(cleared).toContain("Path=/");
});
