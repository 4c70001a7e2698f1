import { it } from "vitest";
import { runContractFlow } from "./contract-flow";

it("runs the whole contract flow end to end", async () => {
  await runContractFlow();
});
