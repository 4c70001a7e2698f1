import { validBody } from "../../http/body";
import { clientInfo, requireSession } from "../../http/context";
import { readDeviceCookie } from "../../http/cookie";
import type { AppRouteHandler } from "../../http/router";
import type * as routes from "./two-factor.routes";
import { BeginBody, CodeBody, ConfirmBody } from "./two-factor.routes";

export const status: AppRouteHandler<typeof routes.status> = async (c) => {
  const { state, recoveryCodesLeft } = await c.var.auth.twoFactor.status((await requireSession(c)).user.id);
  return c.json({ state, recovery_codes_left: recoveryCodesLeft }, 200);
};

export const begin: AppRouteHandler<typeof routes.begin> = async (c) => {
  const { password } = validBody(c, BeginBody);
  const uri = await c.var.auth.twoFactor.begin(await requireSession(c), password, readDeviceCookie(c));
  return c.json({ otpauth_uri: uri }, 200);
};

export const confirm: AppRouteHandler<typeof routes.confirm> = async (c) => {
  const { code } = validBody(c, ConfirmBody);
  const codes = await c.var.auth.twoFactor.confirm(await requireSession(c), code, clientInfo(c));
  return c.json({ recovery_codes: codes }, 200);
};

export const disable: AppRouteHandler<typeof routes.disable> = async (c) => {
  const { password, code, recovery_code } = validBody(c, CodeBody);
  await c.var.auth.twoFactor.disable(
    await requireSession(c),
    password,
    { code, recoveryCode: recovery_code },
    readDeviceCookie(c),
    clientInfo(c),
  );
  return c.json({ message: "two-factor turned off" as const }, 200);
};

export const regenerate: AppRouteHandler<typeof routes.regenerate> = async (c) => {
  const { password, code, recovery_code } = validBody(c, CodeBody);
  const codes = await c.var.auth.twoFactor.regenerateRecoveryCodes(
    await requireSession(c),
    password,
    { code, recoveryCode: recovery_code },
    readDeviceCookie(c),
    clientInfo(c),
  );
  return c.json({ recovery_codes: codes }, 200);
};
