import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { open, seal, totpContext } from "../../src/auth/secret-box";

describe("TOTP secrets at rest (AES-256-GCM under ENCRYPTION_KEY)", () => {
  const secret = crypto.getRandomValues(new Uint8Array(20));

  it("open gives back what seal sealed; each sealing differs (a fresh IV)", async () => {
    const a = await seal(env.ENCRYPTION_KEY, secret, totpContext(1));
    const b = await seal(env.ENCRYPTION_KEY, secret, totpContext(1));
    expect(a).not.toBe(b);
    expect(await open(env.ENCRYPTION_KEY, a, totpContext(1))).toEqual(secret);
    expect(a).not.toContain(btoa(String.fromCharCode(...secret)).slice(0, 10));
  });

  it("a value copied onto another user's row does not open there; nor under another key, nor altered", async () => {
    const sealed = await seal(env.ENCRYPTION_KEY, secret, totpContext(1));
    await expect(open(env.ENCRYPTION_KEY, sealed, totpContext(2))).rejects.toThrow();
    const otherKey = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    await expect(open(otherKey, sealed, totpContext(1))).rejects.toThrow();
    const bytes = Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0));
    bytes[bytes.length - 1]! ^= 1;
    await expect(open(env.ENCRYPTION_KEY, btoa(String.fromCharCode(...bytes)), totpContext(1))).rejects.toThrow();
  });
});
