// Starts Swagger UI (served from this Worker's static assets, copied from the swagger-ui-dist
// package at build time) on this deployment's own /openapi.json. "Try it out" sends requests to
// the same origin, with the browser's cookies, so a login there is a real session.
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // No call to the public validator service: this page loads nothing from elsewhere.
    validatorUrl: null,
    withCredentials: true,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
