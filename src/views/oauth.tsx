import type { FormState } from "./forms";
import { Alerts, Layout } from "./layout";

/** A Unix time as a date a person reads (UTC). */
const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** What each scope lets an app see or do, in a person's words. */
export const SCOPE_WORDS: Record<string, string> = {
  openid: "Know who you are on this service (an identifier only it and this app know you by)",
  email: "See your email address, and whether you have confirmed it",
  offline_access: "Stay connected when you are not using it, until you disconnect it here",
};

/** The consent page: the app, what it will see, Allow or Deny (the authorization request rides along). */
export function ConsentPage(props: { app: string; email: string; scopes: string[]; params: Record<string, string> }) {
  return (
    <Layout title={`Allow ${props.app}?`}>
      <h1>
        Allow <span id="app-name">{props.app}</span> to use your account?
      </h1>
      <p>
        You are logged in as <strong>{props.email}</strong>. <strong>{props.app}</strong> asks to:
      </p>
      <ul id="scopes">
        {props.scopes.map((s) => (
          <li>{SCOPE_WORDS[s] ?? s}</li>
        ))}
      </ul>
      <p class="muted">It will not see your password. You can disconnect it at any time on the Connected apps page.</p>
      <form method="post" action="/account/consent">
        {Object.entries(props.params).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <button type="submit" name="decision" value="allow">
          Allow
        </button>{" "}
        <button type="submit" name="decision" value="deny" class="secondary">
          Deny
        </button>
      </form>
    </Layout>
  );
}

/** Connected apps: each app the user allowed or that holds their tokens, with a way to disconnect it. */
export function AppsPage(props: FormState & { apps: { clientId: string; name: string; scope: string | null; since: number | null }[] }) {
  return (
    <Layout title="Connected apps">
      <h1>Connected apps</h1>
      <Alerts {...props} />
      {props.apps.length === 0 ? (
        <p id="apps">No app uses your account.</p>
      ) : (
        <ul class="menu" id="apps">
          {props.apps.map((app) => (
            <li data-client-id={app.clientId}>
              <strong>{app.name}</strong>
              <br />
              <span class="muted">
                {app.since ? `Since ${day(app.since)}` : ""}
                {app.scope
                  ? `; sees: ${app.scope
                      .split(" ")
                      .map((s) => (s === "offline_access" ? "stays connected" : s === "openid" ? "who you are" : s))
                      .join(", ")}`
                  : ""}
              </span>
              <form method="post" action="/account/apps/revoke" class="inline">
                <input type="hidden" name="client_id" value={app.clientId} />
                <button type="submit">Disconnect</button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <p class="links">
        <a href="/account/profile">Back to your account</a>
      </p>
    </Layout>
  );
}

/** Log out, asked by an app without proof of who asks: the person confirms. */
export function LogoutPage(props: { email: string }) {
  return (
    <Layout title="Log out?">
      <h1>Log out?</h1>
      <p>
        An app asked to log you out. You are logged in as <strong>{props.email}</strong>.
      </p>
      <form method="post" action="/account/logout">
        <button type="submit">Log out</button>
      </form>
      <p class="links">
        <a href="/account/profile">Stay logged in</a>
      </p>
    </Layout>
  );
}
