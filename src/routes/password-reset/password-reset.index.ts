import { createRouter } from "../../http/router";
import * as handlers from "./password-reset.handlers";
import * as routes from "./password-reset.routes";

export const passwordReset = createRouter()
  .openapi(routes.requestReset, handlers.requestReset)
  .openapi(routes.resetPassword, handlers.resetPassword);
