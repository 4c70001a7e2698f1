import { describe, expect, it } from "vitest";
import { readConfig, SECRET_SETTINGS } from "../src/config";

/** Sign-in providers' settings (#22): incomplete ones are off with their variable named; fakes only locally. */
describe("sign-in provider settings", () => {
  const deployed = {
    PUBLIC_URL: "https://auth.example.com",
    ENCRYPTION_KEY: btoa("k".repeat(32)),
    OIDC_SIGNING_KEYS: SECRET_SETTINGS.OIDC_SIGNING_KEYS,
  };

  it("a provider without its secret is off, its variable named; the others stay on", () => {
    const { signIn } = readConfig({
      OAUTH_GITHUB_CLIENT_ID: "gh",
      OAUTH_GOOGLE_CLIENT_ID: "go",
      OAUTH_GOOGLE_CLIENT_SECRET: "go-secret",
      OIDC_PROVIDERS: JSON.stringify([{ id: "corp-sso", name: "Corp", issuer: "https://sso.example.com", client_id: "c" }]),
    });
    expect(signIn.providers.map((p) => p.id)).toEqual(["google"]);
    expect(signIn.problems.map((p) => p.variable)).toEqual(["OAUTH_GITHUB_CLIENT_SECRET", "OIDC_CORP_SSO_CLIENT_SECRET"]);
  });

  it("fakes of GitHub and Google only on a developer's machine; OIDC_PROVIDERS must be well formed", () => {
    for (const name of ["OAUTH_GITHUB_URL", "OAUTH_GITHUB_API_URL", "OAUTH_GOOGLE_ISSUER"]) {
      expect(() => readConfig({ ...deployed, [name]: "http://127.0.0.1:9999" })).toThrow(/developer's machine only/);
      expect(() => readConfig({ [name]: "http://127.0.0.1:9999" })).not.toThrow();
    }
    for (const bad of ["not json", "{}", '[{"id": "github", "name": "X", "issuer": "https://x.example", "client_id": "c"}]']) {
      expect(() => readConfig({ OIDC_PROVIDERS: bad })).toThrow(/OIDC_PROVIDERS/);
    }
    expect(() =>
      readConfig({
        ...deployed,
        OIDC_PROVIDERS: JSON.stringify([{ id: "x", name: "X", issuer: "http://sso.example.com", client_id: "c" }]),
      }),
    ).toThrow(/https/);
  });
});
