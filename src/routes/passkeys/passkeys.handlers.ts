import { CHALLENGE_SECONDS, type PasskeyInfo } from "../../auth/passkeys";
import { generateToken } from "../../auth/tokens";
import { clientInfo, requireSession } from "../../http/context";
import { clearChallengeCookie, readChallengeCookie, setChallengeCookie } from "../../http/cookie";
import type { AppRouteHandler } from "../../http/router";
import type * as routes from "./passkeys.routes";

const shown = (p: PasskeyInfo) => ({ id: p.id, name: p.name, created_at: p.createdAt, last_used_at: p.lastUsedAt, backed_up: p.backedUp });

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const passkeys = await c.var.auth.passkeys.list(await requireSession(c));
  return c.json({ passkeys: passkeys.map(shown) }, 200);
};

export const options: AppRouteHandler<typeof routes.options> = async (c) => {
  const secret = generateToken();
  const creation = await c.var.auth.passkeys.registrationOptions(await requireSession(c), secret);
  setChallengeCookie(c, secret, CHALLENGE_SECONDS);
  return c.json(creation, 200);
};

export const add: AppRouteHandler<typeof routes.add> = async (c) => {
  const current = await requireSession(c);
  const challenge = readChallengeCookie(c);
  clearChallengeCookie(c);
  const passkey = await c.var.auth.passkeys.register(current, c.req.valid("json"), challenge, clientInfo(c));
  return c.json(shown(passkey), 201);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  await c.var.auth.passkeys.remove(await requireSession(c), c.req.valid("param").id, clientInfo(c));
  return c.json({ message: "passkey removed" as const }, 200);
};
