import { createRouter } from "../../http/router";
import * as handlers from "./sessions.handlers";
import * as routes from "./sessions.routes";

export const sessions = createRouter()
  .openapi(routes.logIn, handlers.logIn)
  .openapi(routes.logInTwoFactor, handlers.logInTwoFactor)
  .openapi(routes.passkeyOptions, handlers.passkeyOptions)
  .openapi(routes.logInPasskey, handlers.logInPasskey)
  .openapi(routes.logOut, handlers.logOut);
