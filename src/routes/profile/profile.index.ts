import { createRouter } from "../../http/router";
import * as handlers from "./profile.handlers";
import * as routes from "./profile.routes";

export const profile = createRouter()
  .openapi(routes.listSessions, handlers.listSessions)
  .openapi(routes.endOtherSessions, handlers.endOtherSessions)
  .openapi(routes.endAllSessions, handlers.endAllSessions)
  .openapi(routes.endSession, handlers.endSession)
  .openapi(routes.changePassword, handlers.changePassword)
  .openapi(routes.deleteAccount, handlers.deleteAccount)
  .openapi(routes.changeEmail, handlers.changeEmail)
  .openapi(routes.reauthenticate, handlers.reauthenticate);
