import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { HomePage } from "../views/account";

/**
 * The contract's welcome: `{"message": "Bienvenue"}` for every client, except a browser (whose
 * Accept starts with text/html), which gets the same welcome as a page with links to the pages.
 */
export const rootRoutes = new Hono<AppEnv>().get("/", (c) => {
  c.header("Vary", "Accept");
  const accept = c.req.header("accept") ?? "";
  if (accept.split(",")[0]!.trim().toLowerCase().startsWith("text/html")) return c.html(<HomePage />);
  return c.json({ message: "Bienvenue" });
});
