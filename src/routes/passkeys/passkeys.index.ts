import { createRouter } from "../../http/router";
import * as handlers from "./passkeys.handlers";
import * as pageHandlers from "./passkeys.pages.handlers";
import * as pages from "./passkeys.pages.routes";
import * as routes from "./passkeys.routes";

export const passkeys = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.options, handlers.options)
  .openapi(routes.add, handlers.add)
  .openapi(routes.remove, handlers.remove)
  .openapi(pages.page, pageHandlers.page)
  .openapi(pages.remove, pageHandlers.remove)
  .openapi(pages.reauthenticateForm, pageHandlers.reauthenticateForm)
  .openapi(pages.reauthenticate, pageHandlers.reauthenticate)
  .openapi(pages.script, pageHandlers.script);
