import { raw } from "hono/html";
import { renderSVG } from "uqr";
import type { FormState } from "./forms";
import { Alerts, Layout } from "./layout";

/**
 * Two-factor sign-in on the account pages: its state, turning it on (the QR code made here, as
 * inline SVG: no image is fetched, none from elsewhere), the recovery codes, turning it off.
 */

/** The password field every change of two-factor asks for. */
function PasswordField() {
  return (
    <>
      <label for="password">Your password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
    </>
  );
}

/** A code field (or a recovery code), for an account with two-factor on. */
export function CodeFields() {
  return (
    <>
      <label for="code">Code from your authenticator app</label>
      <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength={16} />
      <details>
        <summary>No phone? Use a recovery code</summary>
        <label for="recovery_code">Recovery code</label>
        <input id="recovery_code" name="recovery_code" autocomplete="off" spellcheck={false} maxlength={32} />
      </details>
    </>
  );
}

export function TwoFactorPage(props: FormState & { state: "off" | "pending" | "on"; recoveryCodesLeft: number }) {
  return (
    <Layout title="Two-factor sign-in">
      <h1>Two-factor sign-in</h1>
      <Alerts {...props} />
      {props.state === "on" ? (
        <>
          <p>
            <strong>On.</strong> Logging in with your password also asks for a code from your authenticator app. You have{" "}
            {props.recoveryCodesLeft} recovery code{props.recoveryCodesLeft === 1 ? "" : "s"} left.
          </p>
          <h2>New recovery codes</h2>
          <form method="post" action="/account/two-factor/recovery-codes">
            <PasswordField />
            <CodeFields />
            <button type="submit">Make new recovery codes</button>
          </form>
          <h2>Turn it off</h2>
          <form method="post" action="/account/two-factor/disable">
            <PasswordField />
            <CodeFields />
            <button type="submit" class="danger">
              Turn two-factor off
            </button>
          </form>
        </>
      ) : (
        <>
          <p>
            <strong>Off.</strong> Turn it on and logging in will need, besides your password, a code from an authenticator app on your phone
            (Google Authenticator, 1Password, Authy, and the like).
          </p>
          <form method="post" action="/account/two-factor">
            <PasswordField />
            <button type="submit">Set up two-factor sign-in</button>
          </form>
        </>
      )}
      <p class="links">
        <a href="/account/profile">Back to your account</a>
      </p>
    </Layout>
  );
}

/** The secret to add to the app (as a QR code and as text), and the form for its first code. */
export function TwoFactorSetupPage(props: FormState & { uri?: string }) {
  // After a mistyped code the secret is not shown again: whoever holds only the session cookie
  // must not be able to read it (the password shows it, once). The app has it already.
  if (!props.uri) {
    return (
      <Layout title="Set up two-factor sign-in">
        <h1>Set up two-factor sign-in</h1>
        <Alerts {...props} />
        <p>Enter the 6-digit code your authenticator app shows now for this account:</p>
        <ConfirmForm />
        <p class="muted">If you did not add the account to your app, start again: your password shows a new key.</p>
        <p class="links">
          <a href="/account/two-factor">Start again</a>
        </p>
      </Layout>
    );
  }
  const secret = new URL(props.uri).searchParams.get("secret") ?? "";
  return (
    <Layout title="Set up two-factor sign-in">
      <h1>Set up two-factor sign-in</h1>
      <Alerts {...props} />
      <p>1. In your authenticator app, add an account by scanning this code:</p>
      <div class="qr" role="img" aria-label="QR code of the secret">
        {raw(renderSVG(props.uri, { ecc: "M", border: 2 }))}
      </div>
      <p class="muted">Or type this key in the app (time-based, 6 digits):</p>
      <code class="token" id="totp-secret">
        {secret.replace(/(.{4})/g, "$1 ").trim()}
      </code>
      <p>2. Enter the 6-digit code the app shows now (within 10 minutes):</p>
      <ConfirmForm />
      <p class="links">
        <a href="/account/two-factor">Cancel</a>
      </p>
    </Layout>
  );
}

function ConfirmForm() {
  return (
    <form method="post" action="/account/two-factor/confirm">
      <label for="code">Code</label>
      <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength={16} required />
      <button type="submit">Turn two-factor on</button>
    </form>
  );
}

/** Recovery codes, shown once. */
export function RecoveryCodesPage(props: { codes: string[]; fresh: boolean }) {
  return (
    <Layout title="Your recovery codes">
      <h1>Your recovery codes</h1>
      <Alerts notice={props.fresh ? "Two-factor sign-in is on." : "A new set of recovery codes: the old ones work no more."} />
      <p>
        Keep these somewhere safe, away from your phone. Each one logs you in once if you lose your authenticator app. This is the only time
        they are shown.
      </p>
      <ul class="codes" id="recovery-codes">
        {props.codes.map((code) => (
          <li>{code}</li>
        ))}
      </ul>
      <p class="links">
        <a href="/account/profile">I have kept them: back to your account</a>
      </p>
    </Layout>
  );
}
