import { OAuthError } from "../../auth/errors";
import { createRouter } from "../../http/router";
import * as handlers from "./oauth.handlers";
import * as pageHandlers from "./oauth.pages.handlers";
import * as pages from "./oauth.pages.routes";
import * as routes from "./oauth.routes";

/** A body the schema refuses (a field given twice...) is OAuth's invalid_request, not the API's 400. */
const oauthHook = (result: { success: boolean }) => {
  if (!result.success) throw new OAuthError("invalid_request", "malformed request body");
  return undefined;
};

export const oauth = createRouter()
  .openapi(routes.discovery, handlers.discovery)
  .openapi(routes.jwks, handlers.jwks)
  .openapi(routes.token, handlers.token, oauthHook)
  .openapi(routes.userinfo, handlers.userinfo)
  .openapi(routes.userinfoPost, handlers.userinfoPost)
  .openapi(routes.revoke, handlers.revoke, oauthHook)
  .openapi(routes.apps, handlers.apps)
  .openapi(routes.revokeApp, handlers.revokeApp)
  .openapi(pages.authorize, pageHandlers.authorize)
  .openapi(pages.authorizePost, pageHandlers.authorizePost)
  .openapi(pages.consentPage, pageHandlers.consentPage)
  .openapi(pages.consent, pageHandlers.consent)
  .openapi(pages.logout, pageHandlers.logout)
  .openapi(pages.appsPage, pageHandlers.appsPage)
  .openapi(pages.revokeAppForm, pageHandlers.revokeAppForm);
