import type { Context } from "hono";
import { InvalidCode, WrongPassword } from "../../auth/errors";
import { validBody } from "../../http/body";
import { type AppEnv, clientInfo, requireSession } from "../../http/context";
import {
  clearPendingLoginCookie,
  readDeviceCookie,
  readPendingLoginCookie,
  readSessionCookie,
  setDeviceCookie,
  setSessionCookie,
} from "../../http/cookie";
import { safeNext } from "../../http/pages";
import type { AppRouteHandler } from "../../http/router";
import { pageMessage } from "../../views/messages";
import { SecondFactorPage } from "../../views/sign-in";
import { RecoveryCodesPage, TwoFactorPage, TwoFactorSetupPage } from "../../views/two-factor";
import { TwoFactorLoginBody } from "../sessions/sessions.routes";
import type * as routes from "./two-factor.pages.routes";
import { BeginBody, CodeBody, ConfirmBody } from "./two-factor.routes";

export const loginCodeForm: AppRouteHandler<typeof routes.loginCodeForm> = (c) =>
  c.html(<SecondFactorPage next={c.req.valid("query").next} />, 200);

export const loginCode: AppRouteHandler<typeof routes.loginCode> = async (c) => {
  const { code, recovery_code } = validBody(c, TwoFactorLoginBody);
  const { sessionId, deviceToken } = await c.var.auth.secondFactor.finishLogin(
    readPendingLoginCookie(c),
    { code, recoveryCode: recovery_code },
    clientInfo(c),
  );
  clearPendingLoginCookie(c);
  setSessionCookie(c, sessionId, c.var.config.auth.sessionLifetimeSeconds);
  setDeviceCookie(c, deviceToken);
  return c.redirect(safeNext(c.req.valid("query").next), 303);
};

/** The two-factor page, as things stand, with a message when a form was refused. */
async function statePage(c: Context<AppEnv>, status: 200 | 400 | 401 | 403 | 429, error?: unknown) {
  const current = await requireSession(c);
  const { state, recoveryCodesLeft } = await c.var.auth.twoFactor.status(current.user.id);
  const message = error ? pageMessage(error, status, { resetTokenMinutes: 60 }) : undefined;
  return c.html(<TwoFactorPage state={state} recoveryCodesLeft={recoveryCodesLeft} error={message} />, status);
}

export const page: AppRouteHandler<typeof routes.page> = async (c) => {
  if (!(await c.var.auth.getSession(readSessionCookie(c)))) return c.redirect("/account/login?next=/account/two-factor", 303);
  return statePage(c, 200);
};

export const begin: AppRouteHandler<typeof routes.begin> = async (c) => {
  const { password } = validBody(c, BeginBody);
  try {
    const uri = await c.var.auth.twoFactor.begin(await requireSession(c), password, readDeviceCookie(c));
    return c.html(<TwoFactorSetupPage uri={uri} />, 200);
  } catch (error) {
    if (error instanceof WrongPassword) return statePage(c, 401, error);
    throw error;
  }
};

export const confirm: AppRouteHandler<typeof routes.confirm> = async (c) => {
  const { code } = validBody(c, ConfirmBody);
  const current = await requireSession(c);
  try {
    return c.html(<RecoveryCodesPage codes={await c.var.auth.twoFactor.confirm(current, code, clientInfo(c))} fresh />, 200);
  } catch (error) {
    // A mistyped code: the code form again, never the secret (only the password shows it).
    if (!(error instanceof InvalidCode)) throw error;
    return c.html(<TwoFactorSetupPage error={pageMessage(error, 401, { resetTokenMinutes: 60 })} />, 401);
  }
};

export const disable: AppRouteHandler<typeof routes.disable> = async (c) => {
  const { password, code, recovery_code } = validBody(c, CodeBody);
  try {
    await c.var.auth.twoFactor.disable(
      await requireSession(c),
      password,
      { code, recoveryCode: recovery_code },
      readDeviceCookie(c),
      clientInfo(c),
    );
  } catch (error) {
    if (error instanceof WrongPassword || error instanceof InvalidCode) return statePage(c, 401, error);
    throw error;
  }
  return c.redirect("/account/two-factor", 303);
};

export const regenerate: AppRouteHandler<typeof routes.regenerate> = async (c) => {
  const { password, code, recovery_code } = validBody(c, CodeBody);
  try {
    const codes = await c.var.auth.twoFactor.regenerateRecoveryCodes(
      await requireSession(c),
      password,
      { code, recoveryCode: recovery_code },
      readDeviceCookie(c),
      clientInfo(c),
    );
    return c.html(<RecoveryCodesPage codes={codes} fresh={false} />, 200);
  } catch (error) {
    if (error instanceof WrongPassword || error instanceof InvalidCode) return statePage(c, 401, error);
    throw error;
  }
};
