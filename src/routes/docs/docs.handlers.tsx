import { notFound } from "../../http/errors";
import type { AppRouteHandler } from "../../http/router";
import type {
  favicon as faviconRoute,
  files as filesRoute,
  reference as referenceRoute,
  referenceSlash as referenceSlashRoute,
} from "./docs.routes";

/** The page around Swagger UI (its files are static assets under /docs/, see public/docs). */
export const reference: AppRouteHandler<typeof referenceRoute> = (c) =>
  c.html(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>API reference · edge-auth</title>
        <link rel="stylesheet" href="/docs/swagger-ui.css" />
        <link rel="stylesheet" href="/docs/docs.css" />
      </head>
      <body>
        <header class="docs">
          <h1>edge-auth API reference</h1>
          <p>
            Try any route below: requests go to this service, with your browser's cookies. Machine-readable:{" "}
            <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Pages for people: <a href="/account/login">log in</a>,{" "}
            <a href="/account/register">create an account</a>.
          </p>
          <noscript>
            <p>This reference needs JavaScript; the same description is in /openapi.json.</p>
          </noscript>
        </header>
        <div id="swagger-ui"></div>
        <script src="/docs/swagger-ui-bundle.js"></script>
        <script src="/docs/init.js"></script>
      </body>
    </html>,
    200,
  );

export const files: AppRouteHandler<typeof filesRoute> = async (c) => {
  const file = await c.env.ASSETS.fetch(c.req.raw);
  // No such file: the API's own 404, not the asset server's.
  return file.ok ? file : notFound(c);
};

export const referenceSlash: AppRouteHandler<typeof referenceSlashRoute> = (c) => c.redirect("/docs", 301);

export const favicon: AppRouteHandler<typeof faviconRoute> = async (c) => {
  const icon = await c.env.ASSETS.fetch(new URL("/favicon.ico", c.req.url));
  if (!icon.ok) return notFound(c);
  return new Response(icon.body, { headers: { "content-type": "image/x-icon" } });
};
