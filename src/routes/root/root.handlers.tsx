import type { AppRouteHandler } from "../../http/router";
import { HomePage } from "../../views/forms";
import type { welcome as welcomeRoute } from "./root.routes";

/** The contract's welcome for every client; a browser, whose Accept starts with text/html, gets it as a page. */
export const welcome: AppRouteHandler<typeof welcomeRoute> = async (c) => {
  c.header("Vary", "Accept");
  const accept = c.req.header("accept") ?? "";
  if (accept.split(",")[0]!.trim().toLowerCase().startsWith("text/html")) return c.html(<HomePage />, 200);
  return c.json({ message: "Bienvenue" as const }, 200);
};
