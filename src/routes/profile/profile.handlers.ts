import { validBody } from "../../http/body";
import { clientInfo, requireSession } from "../../http/context";
import { clearChallengeCookie, clearSessionCookie, readChallengeCookie, readDeviceCookie, setSessionCookie } from "../../http/cookie";
import type { AppRouteHandler } from "../../http/router";
import { checkNewPassword } from "../../http/schemas";
import type * as routes from "./profile.routes";
import { ChangeEmailBody, ChangePasswordBody, DeleteAccountBody, ReauthBody } from "./profile.routes";
import { FieldError } from "../../auth/errors";
import type { CredentialJSON } from "../../auth/webauthn";

export const listSessions: AppRouteHandler<typeof routes.listSessions> = async (c) => {
  const sessions = await c.var.auth.listSessions(await requireSession(c));
  return c.json(
    {
      sessions: sessions.map((s) => ({
        id: s.id,
        device: s.device,
        country: s.country,
        created_at: s.createdAt,
        last_used_at: s.lastUsedAt,
        current: s.current,
      })),
    },
    200,
  );
};

export const endSession: AppRouteHandler<typeof routes.endSession> = async (c) => {
  await c.var.auth.endSessionById(await requireSession(c), c.req.valid("param").id);
  return c.json({ message: "session ended" as const }, 200);
};

export const endOtherSessions: AppRouteHandler<typeof routes.endOtherSessions> = async (c) => {
  const ended = await c.var.auth.endOtherSessions(await requireSession(c));
  return c.json({ message: "other sessions ended" as const, ended }, 200);
};

export const endAllSessions: AppRouteHandler<typeof routes.endAllSessions> = async (c) => {
  const ended = await c.var.auth.endAllSessions(await requireSession(c));
  clearSessionCookie(c);
  return c.json({ message: "all sessions ended" as const, ended }, 200);
};

export const changePassword: AppRouteHandler<typeof routes.changePassword> = async (c) => {
  const { current_password, new_password, code, recovery_code } = validBody(c, ChangePasswordBody);
  checkNewPassword(new_password, c.var.config.passwordMinLength, "new_password");
  const current = await requireSession(c);
  const secret = await c.var.auth.changePassword(current, current_password, new_password, readDeviceCookie(c), clientInfo(c), {
    code,
    recoveryCode: recovery_code,
  });
  // The same session, a new secret: the cookie lasts as long as the session still does.
  setSessionCookie(c, secret, Math.max(1, current.session.expiresAt - Math.floor(Date.now() / 1000)));
  return c.json({ email: current.user.email, message: "password changed" as const }, 200);
};

export const deleteAccount: AppRouteHandler<typeof routes.deleteAccount> = async (c) => {
  const { password, code, recovery_code } = validBody(c, DeleteAccountBody);
  const current = await requireSession(c);
  await c.var.auth.deleteAccount(current, password, readDeviceCookie(c), clientInfo(c), { code, recoveryCode: recovery_code });
  clearSessionCookie(c);
  return c.json({ email: current.user.email, message: "account deleted" as const }, 200);
};

export const changeEmail: AppRouteHandler<typeof routes.changeEmail> = async (c) => {
  const { password, new_email, code, recovery_code } = validBody(c, ChangeEmailBody);
  const current = await requireSession(c);
  await c.var.auth.requestEmailChange(current, password, new_email, readDeviceCookie(c), clientInfo(c), {
    code,
    recoveryCode: recovery_code,
  });
  return c.json({ email: current.user.email, new_email, message: "confirmation link sent to the new address" as const }, 200);
};

export const reauthenticate: AppRouteHandler<typeof routes.reauthenticate> = async (c) => {
  const body = validBody(c, ReauthBody);
  const current = await requireSession(c);
  const credential = body.type === "public-key" && body.response ? (body as CredentialJSON) : undefined;
  if (!credential && body.password === undefined && !body.code && !body.recovery_code) {
    throw new FieldError("password", "required", "give password, code, recovery_code, or a passkey assertion");
  }
  const challengeSecret = readChallengeCookie(c);
  if (credential) clearChallengeCookie(c);
  await c.var.auth.reauthenticate(
    current,
    {
      password: body.password,
      code: body.code,
      recoveryCode: body.recovery_code,
      deviceToken: readDeviceCookie(c),
      credential,
      challengeSecret,
    },
    clientInfo(c),
  );
  const until = (current.session.reauthenticatedAt ?? 0) + c.var.config.auth.reauthWindowSeconds;
  return c.json({ message: "confirmed" as const, reauthenticated_until: until }, 200);
};
