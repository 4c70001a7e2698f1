import type { AuthService } from "../../../src/service";

/** The binding's type: edge-auth's AuthService, over RPC. */
interface ConsumerEnv {
  AUTH: Service<AuthService>;
}

/**
 * An app on a sibling host (COOKIE_DOMAIN shares the session cookie with it) or behind the same
 * domain: it asks edge-auth, over the service binding, whose session the request's cookie is,
 * or whose access token its Authorization header carries.
 */
export default {
  async fetch(request: Request, env: ConsumerEnv): Promise<Response> {
    const authorization = request.headers.get("authorization");
    if (authorization?.startsWith("Bearer ")) {
      const token = await env.AUTH.verifyAccessToken(authorization.slice(7));
      if (!token) return Response.json({ error: "invalid_token" }, { status: 401 });
      return Response.json({ hello: token.user.email, app: token.clientId });
    }
    const found = await env.AUTH.verifySession(request.headers.get("cookie") ?? "");
    if (!found) return Response.json({ message: "not logged in" }, { status: 401 });
    return Response.json({ hello: found.user.email, user: found.user.id, session_expires_at: found.session.expiresAt });
  },
} satisfies ExportedHandler<ConsumerEnv>;
