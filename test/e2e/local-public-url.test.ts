import { expect, it } from "vitest";
import { checkSettings, localPublicUrl, localVars } from "../../scripts/lib/settings.mjs";

// npm start and npm run serve: links in mail and the passkeys' origin follow the port they serve on.
it("a local server on another port puts its own origin in PUBLIC_URL (as localhost: passkeys need a name), unless PUBLIC_URL was set on purpose", () => {
  const at = (overrides: Record<string, string>, ip: string, port: number) => {
    const local = localVars({ overrides, devVars: false });
    return localPublicUrl(local, checkSettings("test", local), ip, port);
  };
  expect(at({}, "127.0.0.1", 8787)).toBeUndefined(); // the default already
  expect(at({}, "localhost", 8787)).toBeUndefined();
  expect(at({}, "127.0.0.1", 9000)).toBe("http://localhost:9000");
  expect(at({}, "0.0.0.0", 9000)).toBe("http://localhost:9000");
  expect(at({}, "::1", 9000)).toBe("http://localhost:9000");
  // Another address: as it is only with passkeys off (the settings check refuses an IP with them on).
  expect(at({}, "192.168.1.5", 8787)).toBeUndefined();
  expect(at({ PASSKEYS: "off" }, "192.168.1.5", 8787)).toBe("http://192.168.1.5:8787");
  expect(
    at(
      { PUBLIC_URL: "https://auth.example.org", ENCRYPTION_KEY: btoa("k".repeat(32)), OIDC_SIGNING_KEYS: "(checked by the deploy)" },
      "127.0.0.1",
      9000,
    ),
  ).toBeUndefined(); // set on purpose
  // Without mail, the passkeys' origin still needs the port.
  expect(at({ MAIL_TRANSPORT: "none", RESET_TOKEN_DELIVERY: "response" }, "127.0.0.1", 9000)).toBe("http://localhost:9000");
});
