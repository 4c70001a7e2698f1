import { EmailInput, type FormState } from "./forms";
import type { ProviderConfig } from "../auth/options";
import { ProviderButtons } from "./social";
import { Alerts, Layout } from "./layout";
import { ResendVerification } from "./email";

/** Registering and logging in. */

export function RegisterPage(props: FormState & { minLength: number; providers?: Pick<ProviderConfig, "id" | "name">[] }) {
  return (
    <Layout title="Create an account">
      <h1>Create an account</h1>
      <Alerts {...props} />
      <form method="post" action="/account/register">
        <EmailInput value={props.email} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength={props.minLength} />
        <button type="submit">Create account</button>
      </form>
      <ProviderButtons providers={props.providers ?? []} />
      <p class="links">
        <a href="/account/login">I have an account</a>
      </p>
    </Layout>
  );
}

/** A button the page's script shows where WebAuthn works (hidden without JavaScript); `alone`: no "or" before it. */
export function PasskeyButton(props: { id: string; label: string; next?: string; alone?: boolean }) {
  return (
    <>
      {!props.alone && (
        <p class="or" hidden data-passkey>
          or
        </p>
      )}
      <button type="button" class="secondary" id={props.id} data-passkey data-next={props.next ?? ""} hidden>
        {props.label}
      </button>
      {/* "error" is added when it says something: until then it is no error on the page. */}
      <p class="alert" role="alert" id="passkey-error" hidden></p>
    </>
  );
}

export function LoginPage(
  props: FormState & { unverified?: boolean; next?: string; passkeys?: boolean; providers?: Pick<ProviderConfig, "id" | "name">[] },
) {
  const action = props.next ? `/account/login?next=${encodeURIComponent(props.next)}` : "/account/login";
  return (
    <Layout title="Log in" passkeys={props.passkeys}>
      <h1>Log in</h1>
      <Alerts {...props} />
      {props.unverified && props.email && <ResendVerification email={props.email} />}
      <form method="post" action={action}>
        <EmailInput value={props.email} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password webauthn" required />
        <button type="submit">Log in</button>
      </form>
      {props.passkeys && <PasskeyButton id="passkey-sign-in" label="Sign in with a passkey" next={props.next} />}
      <ProviderButtons providers={props.providers ?? []} next={props.next} />
      <p class="links">
        <a href="/account/register">Create an account</a>
        <a href="/account/forgot">Forgot your password?</a>
      </p>
    </Layout>
  );
}

/** The second step of a login with two-factor on: a code from the app, or a recovery code. */
export function SecondFactorPage(props: FormState & { next?: string }) {
  const action = props.next ? `/account/login/two-factor?next=${encodeURIComponent(props.next)}` : "/account/login/two-factor";
  return (
    <Layout title="Two-factor sign-in">
      <h1>Two-factor sign-in</h1>
      <Alerts {...props} />
      <p class="muted">Your password was right. Enter the 6-digit code your authenticator app shows for this account.</p>
      <form method="post" action={action}>
        <label for="code">Code</label>
        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength={16} required />
        <button type="submit">Log in</button>
      </form>
      <details>
        <summary>Use a recovery code instead</summary>
        <form method="post" action={action}>
          <label for="recovery_code">Recovery code</label>
          <input id="recovery_code" name="recovery_code" autocomplete="off" spellcheck={false} maxlength={32} required />
          <button type="submit">Log in with a recovery code</button>
        </form>
      </details>
      <p class="links">
        <a href="/account/login">Start again</a>
      </p>
    </Layout>
  );
}
