import { createRouter } from "../../http/router";
import { pageFailure } from "../../http/pages";
import * as handlers from "./account.handlers";
import * as routes from "./account.routes";

export const account = createRouter()
  .openapi(routes.home, handlers.home)
  .openapi(routes.registerForm, handlers.registerForm)
  .openapi(routes.register, handlers.register)
  .openapi(routes.loginForm, handlers.loginForm)
  .openapi(routes.logIn, handlers.logIn)
  .openapi(routes.profile, handlers.profile)
  .openapi(routes.logOut, handlers.logOut)
  .openapi(routes.forgotForm, handlers.forgotForm)
  .openapi(routes.forgot, handlers.forgot)
  .openapi(routes.resetForm, handlers.resetForm)
  .openapi(routes.reset, handlers.reset)
  .openapi(routes.sessionsPage, handlers.sessionsPage)
  .openapi(routes.endSession, handlers.endSession)
  .openapi(routes.endOtherSessions, handlers.endOtherSessions)
  .openapi(routes.passwordForm, handlers.passwordForm)
  .openapi(routes.changePassword, handlers.changePassword)
  .openapi(routes.deleteForm, handlers.deleteForm)
  .openapi(routes.deleteAccount, handlers.deleteAccount)
  .openapi(routes.verifyPage, handlers.verifyPage)
  .openapi(routes.verify, handlers.verify)
  .openapi(routes.resendVerification, handlers.resendVerification)
  .openapi(routes.emailForm, handlers.emailForm)
  .openapi(routes.changeEmail, handlers.changeEmail)
  .openapi(routes.confirmEmailPage, handlers.confirmEmailPage)
  .openapi(routes.confirmEmail, handlers.confirmEmail)
  .openapi(routes.cancelEmailPage, handlers.cancelEmailPage)
  .openapi(routes.cancelEmail, handlers.cancelEmail)
  .onError(pageFailure);
