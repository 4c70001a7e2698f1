import { createRoute, z } from "@hono/zod-openapi";
import { failures } from "../../http/responses";

export const welcome = createRoute({
  method: "get",
  path: "/",
  tags: ["API"],
  summary: "Welcome",
  description:
    '`{"message": "Bienvenue"}`. A browser (an `Accept` header that starts with `text/html`) gets the same welcome as a page linking to the account pages and this reference.',
  responses: {
    200: {
      description: "Always.",
      content: {
        "application/json": { schema: z.object({ message: z.literal("Bienvenue") }) },
        "text/html": { schema: z.string() },
      },
    },
    ...failures([]),
  },
});
