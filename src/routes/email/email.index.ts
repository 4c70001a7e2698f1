import { createRouter } from "../../http/router";
import * as handlers from "./email.handlers";
import * as routes from "./email.routes";

export const emailRoutes = createRouter()
  .openapi(routes.verifyEmail, handlers.verifyEmail)
  .openapi(routes.resendVerification, handlers.resendVerification)
  .openapi(routes.confirmEmail, handlers.confirmEmail)
  .openapi(routes.cancelEmailChange, handlers.cancelEmailChange)
  .openapi(routes.revertEmailChange, handlers.revertEmailChange);
