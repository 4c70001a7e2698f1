import { createRouter } from "../../http/router";
import * as handlers from "./users.handlers";
import * as routes from "./users.routes";

export const users = createRouter().openapi(routes.register, handlers.register).openapi(routes.profile, handlers.profile);
