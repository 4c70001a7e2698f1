import { expect, it } from "vitest";
import { planImport } from "../../scripts/lib/flask-import.mjs";

const hash = `$2b$04$${"a".repeat(53)}`;

it("applies the service's own email rule: NFC before lower-casing, invisible characters and ill-formed text refused", () => {
  const plan = planImport([
    { id: 1, email: "Jos\u00e9@Example.com", hashed_password: hash },
    { id: 2, email: "JOSE\u0301@example.com", hashed_password: hash }, // the same address, decomposed
    { id: 3, email: "bob\u200b@example.com", hashed_password: hash }, // zero-width space
    { id: 4, email: "eve\u202e@example.com", hashed_password: hash }, // right-to-left override
    { id: 5, email: "mal\ud800@example.com", hashed_password: hash }, // lone surrogate
    { id: 6, email: "  carol@example.com ", hashed_password: hash },
  ]);
  expect(plan.users.map((u: { email: string }) => u.email)).toEqual(["jos\u00e9@example.com", "carol@example.com"]);
  expect(plan.duplicates).toEqual([{ id: 2, email: "jos\u00e9@example.com", keptId: 1 }]);
  expect(plan.invalid.map((r: { id: number }) => r.id)).toEqual([3, 4, 5]);
});

it("the Flask import reports the rows whose address is outside the rule, with the reason", () => {
  const plan = planImport([
    { id: 1, email: "fine@example.com", hashed_password: hash },
    { id: 2, email: "victim<attacker@evil.example>", hashed_password: hash },
    { id: 3, email: "bcc:x@evil.example", hashed_password: hash },
  ]);
  expect(plan.users.map((u: { id: number }) => u.id)).toEqual([1]);
  expect(plan.invalid).toEqual([
    { id: 2, email: "victim<attacker@evil.example>", reason: "not a plain address (mail could not be sent to it safely)" },
    { id: 3, email: "bcc:x@evil.example", reason: "not a plain address (mail could not be sent to it safely)" },
  ]);
});

it("refuses a hash whose bcrypt cost is above the highest the service checks (its login would outrun the CPU limit)", () => {
  const plan = planImport([
    { id: 1, email: "twelve@example.com", hashed_password: `$2b$12$${"a".repeat(53)}` },
    { id: 2, email: "thirteen@example.com", hashed_password: `$2b$13$${"a".repeat(53)}` },
    { id: 3, email: "fourteen@example.com", hashed_password: `$2b$14$${"a".repeat(53)}` },
    { id: 4, email: "thirty-one@example.com", hashed_password: `$2y$31$${"a".repeat(53)}` },
  ]);
  expect(plan.users.map((u: { id: number }) => u.id)).toEqual([1, 2]);
  expect(plan.invalid).toEqual([
    { id: 3, email: "fourteen@example.com", reason: "bcrypt cost above 13, the highest the service checks" },
    { id: 4, email: "thirty-one@example.com", reason: "bcrypt cost above 13, the highest the service checks" },
  ]);
});
