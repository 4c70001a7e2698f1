import { expect, it } from "vitest";
import { checkSettings, localPublicUrl, localVars } from "../../scripts/lib/settings.mjs";

// npm start and npm run serve: links in mail follow the port and address they serve on.
it("a local server on another port or address puts its own origin in mail links, unless PUBLIC_URL was set on purpose", () => {
  const at = (overrides: Record<string, string>, ip: string, port: number) => {
    const local = localVars({ overrides, devVars: false });
    return localPublicUrl(local, checkSettings("test", local), ip, port);
  };
  expect(at({}, "127.0.0.1", 8787)).toBeUndefined(); // the default already
  expect(at({}, "127.0.0.1", 9000)).toBe("http://127.0.0.1:9000");
  expect(at({}, "0.0.0.0", 9000)).toBe("http://127.0.0.1:9000");
  expect(at({}, "192.168.1.5", 8787)).toBe("http://192.168.1.5:8787");
  expect(at({ PUBLIC_URL: "https://auth.example.org" }, "127.0.0.1", 9000)).toBeUndefined(); // set on purpose
  expect(at({ MAIL_TRANSPORT: "none", RESET_TOKEN_DELIVERY: "response" }, "127.0.0.1", 9000)).toBeUndefined(); // no mail, no links
});
