import { createRouter } from "../../http/router";
import * as handlers from "./docs.handlers";
import * as routes from "./docs.routes";

export const docs = createRouter()
  .openapi(routes.reference, handlers.reference)
  .openapi(routes.referenceSlash, handlers.referenceSlash)
  .openapi(routes.files, handlers.files)
  .openapi(routes.favicon, handlers.favicon);
