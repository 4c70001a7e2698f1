import { createRouter } from "../../http/router";
import * as handlers from "./social.handlers";
import * as routes from "./social.routes";

export const social = createRouter()
  .openapi(routes.start, handlers.start)
  .openapi(routes.callback, handlers.callback)
  .openapi(routes.unlink, handlers.unlink);
