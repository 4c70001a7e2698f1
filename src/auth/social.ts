import * as oauth from "oauth4webapi";
import type { ProviderConfig } from "./options";
import type { User } from "../db/schema";
import { NotLoggedIn, SecondFactorRequired, UserAlreadyExists } from "./errors";
import { type ClientInfo, Flow } from "./flow";
import { open, seal } from "./secret-box";
import { PENDING_LOGIN_SECONDS, type CurrentSession } from "./sessions";
import { generateToken, sha256Hex, slotOf } from "./tokens";

/** The flow cookie lives 10 minutes: state, nonce and PKCE verifier, sealed (AES-GCM) under ENCRYPTION_KEY. */
export const FLOW_SECONDS = 600;
const FLOW_CONTEXT = "sign-in flow";

/** What the flow cookie carries from the start to the callback. */
interface FlowState {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  /** sign-in, link to the logged-in user (`link`), or prove it is them again (`reauth`). */
  intent: "sign-in" | "link" | "reauth";
  next: string;
}

/** How a callback ends. */
export type SocialOutcome =
  | { kind: "session"; user: User; sessionId: string }
  | { kind: "linked"; provider: string }
  | { kind: "reauthenticated" }
  | { kind: "address-taken"; email: string; provider: string }
  | { kind: "unverified"; provider: string }
  | { kind: "linked-elsewhere"; provider: string };

/** A provider failed, refused, or the callback was not the one we started: a page, never a 500. */
export class ProviderFailed extends Error {
  override readonly name: string = "ProviderFailed";
  /** `refused`: the answer is not one of this sign-in (a 400 page); `down`: the provider failed (502). */
  constructor(
    readonly reason: string,
    readonly kind: "refused" | "down" = "down",
  ) {
    super(reason);
  }
}

// Discovery documents, per issuer, for the life of the isolate (metadata only: no client, no key).
const discovered = new Map<string, Promise<oauth.AuthorizationServer>>();

/**
 * Signing in with GitHub, Google or any OpenID provider, through oauth4webapi (no OAuth code of
 * our own beyond wiring): the redirect with state, nonce and PKCE; the callback's checks; and
 * what the subject and address mean here. A returning subject signs in to its user; an unknown
 * one with a verified address nobody has becomes a new user without a password; an address a
 * user has already never signs anyone in (the person logs in the usual way and links it).
 */
export class SocialSignIn extends Flow {
  private insecure(): boolean {
    // http issuers only on a developer's machine (the settings check refuses them elsewhere).
    return this.options.publicUrl.startsWith("http://");
  }

  private async server(provider: ProviderConfig): Promise<oauth.AuthorizationServer> {
    if (provider.kind === "github") {
      const site = provider.github!.site;
      return { issuer: site, authorization_endpoint: `${site}/login/oauth/authorize`, token_endpoint: `${site}/login/oauth/access_token` };
    }
    const issuer = provider.issuer!;
    let server = discovered.get(issuer);
    if (!server) {
      const url = new URL(issuer);
      server = oauth
        .discoveryRequest(url, { algorithm: "oidc", [oauth.allowInsecureRequests]: this.insecure(), signal: AbortSignal.timeout(5000) })
        .then((response) => oauth.processDiscoveryResponse(url, response));
      discovered.set(issuer, server);
      server.catch(() => discovered.delete(issuer));
    }
    try {
      return await server;
    } catch (error) {
      throw new ProviderFailed(`discovery failed: ${(error as Error).name}`);
    }
  }

  private redirectUri(provider: ProviderConfig): string {
    return `${this.options.publicUrl}/auth/${provider.id}/callback`;
  }

  /** The provider's authorization URL, and the sealed cookie that must come back with the callback. */
  async start(provider: ProviderConfig, intent: FlowState["intent"], next: string): Promise<{ url: string; cookie: string }> {
    const server = await this.server(provider);
    const flow: FlowState = {
      provider: provider.id,
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      verifier: oauth.generateRandomCodeVerifier(),
      intent,
      next,
    };
    const url = new URL(server.authorization_endpoint!);
    url.searchParams.set("client_id", provider.clientId);
    url.searchParams.set("redirect_uri", this.redirectUri(provider));
    url.searchParams.set("response_type", "code");
    url.searchParams.set("scope", provider.kind === "github" ? "read:user user:email" : "openid email");
    url.searchParams.set("state", flow.state);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(flow.verifier));
    url.searchParams.set("code_challenge_method", "S256");
    if (provider.kind === "oidc") url.searchParams.set("nonce", flow.nonce);
    const cookie = await seal(this.options.encryptionKey, new TextEncoder().encode(JSON.stringify(flow)), FLOW_CONTEXT);
    return { url: url.toString(), cookie };
  }

  /** Opens the flow cookie; ProviderFailed when it is missing, forged or for another provider. */
  async flowOf(provider: ProviderConfig, cookie: string | undefined): Promise<FlowState> {
    if (!cookie) throw new ProviderFailed("no sign-in in progress in this browser", "refused");
    let flow: FlowState;
    try {
      flow = JSON.parse(new TextDecoder().decode(await open(this.options.encryptionKey, cookie, FLOW_CONTEXT))) as FlowState;
    } catch {
      throw new ProviderFailed("the sign-in cookie does not open", "refused");
    }
    if (flow.provider !== provider.id) throw new ProviderFailed("the sign-in was started with another provider", "refused");
    return flow;
  }

  /** The callback: who the provider says this is (subject, address, verified). */
  async identify(
    provider: ProviderConfig,
    callback: URL,
    flow: FlowState,
  ): Promise<{ subject: string; email?: string; verified: boolean }> {
    const server = await this.server(provider);
    const client: oauth.Client = { client_id: provider.clientId };
    const options = { [oauth.allowInsecureRequests]: this.insecure(), signal: AbortSignal.timeout(5000) };
    let params: URLSearchParams;
    try {
      params = oauth.validateAuthResponse(server, client, callback, flow.state);
    } catch (error) {
      // A refusal by the provider, or a callback that is not this sign-in's (state, issuer).
      const why =
        error instanceof oauth.AuthorizationResponseError ? `the provider said ${error.error}` : "the answer is not this sign-in's";
      throw new ProviderFailed(why, "refused");
    }
    try {
      const response = await oauth.authorizationCodeGrantRequest(
        server,
        client,
        oauth.ClientSecretPost(provider.clientSecret),
        params,
        this.redirectUri(provider),
        flow.verifier,
        options,
      );
      if (response.status >= 500) throw new ProviderFailed(`the token endpoint answered ${response.status}`);
      if (provider.kind === "oidc") {
        const tokens = await oauth.processAuthorizationCodeResponse(server, client, response, {
          expectedNonce: flow.nonce,
          requireIdToken: true,
        });
        const claims = oauth.getValidatedIdTokenClaims(tokens)!;
        return {
          subject: claims.sub,
          email: typeof claims.email === "string" ? claims.email : undefined,
          verified: claims.email_verified === true,
        };
      }
      const tokens = await oauth.processAuthorizationCodeResponse(server, client, response);
      return await this.githubIdentity(provider, tokens.access_token);
    } catch (error) {
      if (error instanceof ProviderFailed) throw error;
      // The reason's class only: a provider's message may carry codes or addresses.
      throw new ProviderFailed(`the provider's answer was refused (${(error as Error).name})`);
    }
  }

  /** GitHub: the user's id, and the primary address only if GitHub verified it. */
  private async githubIdentity(provider: ProviderConfig, accessToken: string) {
    const get = async (path: string) => {
      const response = await fetch(`${provider.github!.api}${path}`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: "application/vnd.github+json", "user-agent": "edge-auth" },
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new ProviderFailed(`GitHub's API answered ${response.status}`);
      return response.json();
    };
    const user = (await get("/user")) as { id?: unknown };
    const emails = (await get("/user/emails")) as { email?: unknown; primary?: unknown; verified?: unknown }[];
    if (typeof user.id !== "number" && typeof user.id !== "string") throw new ProviderFailed("GitHub gave no user id");
    const primary = Array.isArray(emails) ? emails.find((e) => e.primary === true && typeof e.email === "string") : undefined;
    return { subject: String(user.id), email: primary?.email as string | undefined, verified: primary?.verified === true };
  }

  /**
   * What the identity means here: sign in (a known subject; or a new user for a verified address
   * nobody has), link it to the logged-in user, or refuse. SecondFactorRequired (with a pending
   * login) when the user has two-factor on.
   */
  async finish(
    provider: ProviderConfig,
    flow: FlowState,
    who: { subject: string; email?: string; verified: boolean },
    current: CurrentSession | null,
    client: ClientInfo = {},
  ): Promise<SocialOutcome> {
    const now = this.now();
    if (flow.intent === "reauth") {
      // Signing in through a linked provider again counts as a fresh proof for this session
      // (the way a user without a password confirms a sensitive action).
      if (!current) throw new NotLoggedIn("re-authentication needs the session that started it");
      const linked = await this.db.accounts.userOf(provider.id, who.subject);
      if (linked?.id !== current.user.id) return { kind: "linked-elsewhere", provider: provider.name };
      await this.db.sessions.markReauthenticated(current.session.id, now);
      return { kind: "reauthenticated" };
    }
    if (flow.intent === "link") {
      if (!current) throw new NotLoggedIn("linking needs the session that started it");
      this.requireRecentProof(current);
      if (!(await this.db.accounts.link(current.user.id, provider.id, who.subject, now)))
        return { kind: "linked-elsewhere", provider: provider.name };
      this.emit({ type: "provider-linked", to: current.user.email, provider: provider.name, linked: true, ...this.origin(client) });
      return { kind: "linked", provider: provider.name };
    }
    let user = await this.db.accounts.userOf(provider.id, who.subject);
    if (!user) {
      // An address from a provider that did not verify it never links or creates anything.
      const email = who.email?.trim().toLowerCase();
      if (!email || !who.verified) return { kind: "unverified", provider: provider.name };
      if (await this.findUser({ email })) return { kind: "address-taken", email, provider: provider.name };
      try {
        user = await this.db.accounts.createUser(email, provider.id, who.subject, now);
      } catch (error) {
        if (error instanceof UserAlreadyExists) return { kind: "address-taken", email, provider: provider.name };
        throw error;
      }
    }
    if ((await this.db.twoFactor.status(user.id)).totp?.confirmedAt) {
      const pendingSecret = generateToken(slotOf(user.publicId));
      await this.db.pendingLogins.open({
        secretHash: await sha256Hex(pendingSecret),
        userId: user.id,
        amr: "fed",
        trustedDeviceHash: null,
        createdAt: now,
        expiresAt: now + PENDING_LOGIN_SECONDS,
      });
      throw new SecondFactorRequired("second factor required", pendingSecret);
    }
    const sessionId = generateToken(slotOf(user.publicId));
    await this.db.sessions.startSession(user.id, await this.newSession(sessionId, now, client, "fed"), this.options.maxSessionsPerUser);
    return { kind: "session", user, sessionId };
  }

  /** The providers linked to the user. */
  links(current: CurrentSession) {
    return this.db.accounts.linksOf(current.user.id);
  }

  /** Unlinks a provider (behind the re-authentication window); false when it is the last way to sign in. */
  async unlink(current: CurrentSession, provider: ProviderConfig, client: ClientInfo = {}): Promise<boolean> {
    this.requireRecentProof(current);
    if (!(await this.db.accounts.unlink(current.user.id, provider.id))) return false;
    this.emit({ type: "provider-linked", to: current.user.email, provider: provider.name, linked: false, ...this.origin(client) });
    return true;
  }
}
