import type { ProviderConfig } from "./auth/options";
import { ConfigError, type Settings } from "./config";

/** The complete providers, and the settings of incomplete ones (the deploy check refuses them; at run time only they are off). */
export interface ProviderSettings {
  providers: ProviderConfig[];
  problems: { variable: string; problem: string }[];
}

const value = (settings: Settings, name: string): string | undefined => {
  const v = (settings as Record<string, unknown>)[name];
  return v === undefined || v === null || v === "" ? undefined : String(v);
};

/** An endpoint base a test points at a fake: a developer's machine only. */
function fakeable(settings: Settings, name: string, fallback: string, local: boolean): string {
  const given = value(settings, name);
  if (given === undefined) return fallback;
  if (!local) throw new ConfigError(name, given, "points a provider at a fake, for tests on a developer's machine only: remove it");
  if (!/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(given) || given.endsWith("/"))
    throw new ConfigError(name, given, "must be an http(s) URL without a trailing slash");
  return given;
}

/** The secret named `name`, or a problem saying it is missing. */
function secret(settings: Settings, name: string, problems: ProviderSettings["problems"], provider: string): string | undefined {
  const given = value(settings, name);
  if (given === undefined)
    problems.push({ variable: name, problem: `${provider} needs its client secret: \`npx wrangler secret put ${name}\`` });
  return given;
}

/**
 * OAUTH_GITHUB_CLIENT_ID (+ secret OAUTH_GITHUB_CLIENT_SECRET), OAUTH_GOOGLE_CLIENT_ID (+ secret
 * OAUTH_GOOGLE_CLIENT_SECRET), OIDC_PROVIDERS (a JSON list of {"id", "name", "issuer",
 * "client_id"}, each with its secret in OIDC_<ID>_CLIENT_SECRET).
 */
export function readProviders(settings: Settings, local: boolean): ProviderSettings {
  const providers: ProviderConfig[] = [];
  const problems: ProviderSettings["problems"] = [];
  const githubSite = fakeable(settings, "OAUTH_GITHUB_URL", "https://github.com", local);
  const githubApi = fakeable(settings, "OAUTH_GITHUB_API_URL", "https://api.github.com", local);
  const googleIssuer = fakeable(settings, "OAUTH_GOOGLE_ISSUER", "https://accounts.google.com", local);
  const github = value(settings, "OAUTH_GITHUB_CLIENT_ID");
  if (github) {
    const clientSecret = secret(settings, "OAUTH_GITHUB_CLIENT_SECRET", problems, "GitHub");
    if (clientSecret)
      providers.push({
        id: "github",
        name: "GitHub",
        kind: "github",
        clientId: github,
        clientSecret,
        github: { site: githubSite, api: githubApi },
      });
  }
  const google = value(settings, "OAUTH_GOOGLE_CLIENT_ID");
  if (google) {
    const clientSecret = secret(settings, "OAUTH_GOOGLE_CLIENT_SECRET", problems, "Google");
    if (clientSecret) providers.push({ id: "google", name: "Google", kind: "oidc", clientId: google, clientSecret, issuer: googleIssuer });
  }
  const listed = value(settings, "OIDC_PROVIDERS");
  if (listed) {
    let entries: unknown;
    try {
      entries = JSON.parse(listed);
    } catch {
      entries = undefined;
    }
    const how = 'must be a JSON list of {"id", "name", "issuer", "client_id"} (id: lower-case letters, digits and -)';
    if (!Array.isArray(entries)) throw new ConfigError("OIDC_PROVIDERS", listed, how);
    for (const entry of entries as Record<string, unknown>[]) {
      const { id, name, issuer, client_id } = entry ?? {};
      if (
        typeof id !== "string" ||
        !/^[a-z0-9-]{1,32}$/.test(id) ||
        typeof name !== "string" ||
        !name ||
        name.length > 40 ||
        typeof client_id !== "string" ||
        !client_id ||
        typeof issuer !== "string" ||
        !(/^https:\/\//.test(issuer) || (local && /^http:\/\//.test(issuer))) ||
        ["github", "google"].includes(id) ||
        providers.some((p) => p.id === id)
      ) {
        throw new ConfigError("OIDC_PROVIDERS", listed, `${how}; issuers https (http only locally); ids unique, not github or google`);
      }
      const clientSecret = secret(settings, `OIDC_${id.toUpperCase().replace(/-/g, "_")}_CLIENT_SECRET`, problems, name);
      if (clientSecret) providers.push({ id, name, kind: "oidc", clientId: client_id, clientSecret, issuer });
    }
  }
  return { providers, problems };
}
