import { createRoute, z } from "@hono/zod-openapi";
import { failures, htmlContent } from "../../http/responses";

export const reference = createRoute({
  method: "get",
  path: "/docs",
  tags: ["Documentation"],
  summary: "Interactive API reference",
  description:
    "Swagger UI on `/openapi.json`, served from this Worker's static assets (nothing is loaded from elsewhere); its scripts are allowed on this page only.",
  responses: { 200: htmlContent("The reference page."), ...failures([], { html: true }) },
});

/**
 * The reference page's static files (public/docs/). On Cloudflare they are served before the
 * Worker runs; this route serves them through the ASSETS binding where nothing routes assets
 * first (the local production-like server). Not an API operation: hidden from the document.
 */
export const files = createRoute({
  method: "get",
  path: "/docs/{file}",
  hide: true,
  request: { params: z.object({ file: z.string() }) },
  responses: { 200: { description: "The file." }, 404: { description: "No such file." } },
});

/** `/docs/` (with the slash people type): to the reference. Hidden from the document. */
export const referenceSlash = createRoute({
  method: "get",
  path: "/docs/",
  hide: true,
  responses: { 301: { description: "To /docs." } },
});

/**
 * The icon browsers ask for on every site (public/favicon.ico), through the ASSETS binding where
 * nothing serves assets first. Hidden from the document.
 */
export const favicon = createRoute({
  method: "get",
  path: "/favicon.ico",
  hide: true,
  responses: { 200: { description: "The icon." } },
});
