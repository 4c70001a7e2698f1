import type { Context } from "hono";
import { InvalidCode, LoginThrottled, SecondFactorThrottled, WrongPassword } from "../../auth/errors";
import { validBody } from "../../http/body";
import { type AppEnv, clientInfo, requireSession } from "../../http/context";
import { readDeviceCookie, readSessionCookie } from "../../http/cookie";
import { notFound } from "../../http/errors";
import { safeNext } from "../../http/pages";
import type { AppRouteHandler } from "../../http/router";
import { pageMessage } from "../../views/messages";
import { PasskeysPage } from "../../views/passkeys";
import { ReauthenticatePage } from "../../views/reauthenticate";
import type * as routes from "./passkeys.pages.routes";
import { ReauthForm, RemoveForm } from "./passkeys.pages.routes";

export const page: AppRouteHandler<typeof routes.page> = async (c) => {
  const current = await c.var.auth.getSession(readSessionCookie(c));
  if (!current) return c.redirect("/account/login?next=/account/passkeys", 303);
  return c.html(<PasskeysPage passkeys={await c.var.auth.passkeys.list(current)} />, 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  const { passkey } = validBody(c, RemoveForm);
  await c.var.auth.passkeys.remove(await requireSession(c), passkey, clientInfo(c));
  return c.redirect("/account/passkeys", 303);
};

/** The "confirm it is you" page, with a message when a proof was refused. */
async function reauthPage(c: Context<AppEnv>, next: string, status: 200 | 401 | 429, error?: unknown) {
  const current = await requireSession(c);
  const { state } = await c.var.auth.twoFactor.status(current.user.id);
  const message = error ? pageMessage(error, status, { resetTokenMinutes: 60 }) : undefined;
  // The providers linked to this user can confirm it too (a user without a password has only them).
  const configured = c.var.config.signIn.providers;
  const linked = configured.length > 0 ? (await c.var.auth.social.links(current)).map((l) => l.provider) : [];
  const providers = configured.filter((p) => linked.includes(p.id));
  return c.html(<ReauthenticatePage next={next} twoFactor={state === "on"} error={message} providers={providers} />, status);
}

export const reauthenticateForm: AppRouteHandler<typeof routes.reauthenticateForm> = async (c) => {
  const next = safeNext(c.req.valid("query").next);
  if (!(await c.var.auth.getSession(readSessionCookie(c)))) return c.redirect(`/account/login?next=${encodeURIComponent(next)}`, 303);
  return reauthPage(c, next, 200);
};

export const reauthenticate: AppRouteHandler<typeof routes.reauthenticate> = async (c) => {
  const { password, code, recovery_code } = validBody(c, ReauthForm);
  const next = safeNext(c.req.valid("query").next);
  const current = await requireSession(c);
  try {
    await c.var.auth.reauthenticate(
      current,
      { password, code, recoveryCode: recovery_code, deviceToken: readDeviceCookie(c) },
      clientInfo(c),
    );
  } catch (error) {
    if (error instanceof WrongPassword || error instanceof InvalidCode) return reauthPage(c, next, 401, error);
    if (error instanceof LoginThrottled || error instanceof SecondFactorThrottled) return reauthPage(c, next, 429, error);
    throw error;
  }
  return c.redirect(next, 303);
};

export const script: AppRouteHandler<typeof routes.script> = async (c) => {
  const file = await c.env.ASSETS.fetch(new URL("/passkeys.js", c.req.url));
  if (!file.ok) return notFound(c);
  return new Response(file.body, { headers: { "content-type": "text/javascript; charset=utf-8" } });
};
