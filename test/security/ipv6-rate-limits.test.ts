import { describe, expect, it } from "vitest";
import { rateLimitKey } from "../../src/http/rate-limit";
import { call } from "../helpers";

/**
 * Outside review 3, item 4: the per-IP key was the full address, so one IPv6 /64 (what a single
 * home or VM is given) escaped every limit: 65 logins from 2001:db8:1:3::1 to ::41, no 429.
 */

/** A /64 of the documentation prefix nobody else in the suite uses. */
function randomPrefix(): string {
  const [a, b] = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8:${a!.toString(16)}:${b!.toString(16)}`;
}

describe("IPv6 clients are counted by their /64", () => {
  it("65 logins from 65 addresses of one /64 meet the limit of 60 a minute", async () => {
    const prefix = randomPrefix();
    const statuses: number[] = [];
    for (let host = 1; host <= 0x41; host++) {
      const response = await call("POST", "/sessions", { headers: { "cf-connecting-ip": `${prefix}::${host.toString(16)}` } });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(400));
    expect(statuses.slice(60)).toEqual(Array(5).fill(429));
    // The neighbouring /64 is another subscriber: not affected.
    const [a, b] = prefix.split(":").slice(2);
    const neighbour = `2001:db8:${a}:${(parseInt(b!, 16) ^ 1).toString(16)}::1`;
    expect((await call("POST", "/sessions", { headers: { "cf-connecting-ip": neighbour } })).status).toBe(400);
  });

  it("however the address is written", () => {
    const forms = ["2001:db8:1:3::1", "2001:DB8:1:3:0:0:0:41", "2001:0db8:0001:0003:ffff:ffff:ffff:ffff", "2001:db8:1:3::a:b%eth0"];
    expect(new Set(forms.map(rateLimitKey))).toEqual(new Set(["2001:db8:1:3::/64"]));
    expect(rateLimitKey("2001:db8:1:4::1")).toBe("2001:db8:1:4::/64");
  });

  it("IPv4 addresses, also written in IPv6, stay per address", () => {
    expect(rateLimitKey("192.0.2.7")).toBe("192.0.2.7");
    expect(rateLimitKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(rateLimitKey("192.0.2.8")).not.toBe(rateLimitKey("192.0.2.7"));
  });
});
