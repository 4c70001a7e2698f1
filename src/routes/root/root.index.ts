import { createRouter } from "../../http/router";
import * as handlers from "./root.handlers";
import * as routes from "./root.routes";

export const root = createRouter().openapi(routes.welcome, handlers.welcome);
