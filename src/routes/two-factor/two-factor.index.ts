import { createRouter } from "../../http/router";
import * as handlers from "./two-factor.handlers";
import * as pageHandlers from "./two-factor.pages.handlers";
import * as pages from "./two-factor.pages.routes";
import * as routes from "./two-factor.routes";

export const twoFactor = createRouter()
  .openapi(routes.status, handlers.status)
  .openapi(routes.begin, handlers.begin)
  .openapi(routes.confirm, handlers.confirm)
  .openapi(routes.disable, handlers.disable)
  .openapi(routes.regenerate, handlers.regenerate)
  .openapi(pages.loginCodeForm, pageHandlers.loginCodeForm)
  .openapi(pages.loginCode, pageHandlers.loginCode)
  .openapi(pages.page, pageHandlers.page)
  .openapi(pages.begin, pageHandlers.begin)
  .openapi(pages.confirm, pageHandlers.confirm)
  .openapi(pages.disable, pageHandlers.disable)
  .openapi(pages.regenerate, pageHandlers.regenerate);
