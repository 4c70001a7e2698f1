import { type FormState } from "./forms";
import type { ProviderConfig } from "../auth/options";
import { LinkedProviders } from "./social";
import { Alerts, Layout } from "./layout";
import { ResendVerification } from "./email";
import { CodeFields } from "./two-factor";

/** The profile, changing the password, deleting the account. */

export function ProfilePage(props: {
  email: string;
  verified: boolean;
  sendsMail: boolean;
  plainAddress: boolean;
  passkeys?: boolean;
  notice?: string;
  providers?: Pick<ProviderConfig, "id" | "name">[];
  linked?: string[];
}) {
  return (
    <Layout title="Your account">
      <h1>Your account</h1>
      <Alerts notice={props.notice} />
      {!props.plainAddress && (
        <p class="alert error" role="alert">
          Your address cannot receive mail safely: it holds a name, quotes or characters such as &lt; &gt; , ; : that an address for mail
          may not. No mail is sent to it (no reset links, no notices).{" "}
          {props.sendsMail ? (
            <a href="/account/email">Change it to a plain address</a>
          ) : (
            "Ask the people who run this service to change it."
          )}
        </p>
      )}
      <p>
        You are logged in as <strong id="profile-email">{props.email}</strong>
        {props.sendsMail && (props.verified ? " (verified)." : " (not verified yet).")}
        {!props.sendsMail && "."}
      </p>
      {props.sendsMail && !props.verified && <ResendVerification email={props.email} />}
      <ul class="menu">
        <li>
          <a href="/account/sessions">Where you are logged in</a>
        </li>
        <li>
          <a href="/account/password">Change your password</a>
        </li>
        <li>
          <a href="/account/two-factor">Two-factor sign-in</a>
        </li>
        {props.passkeys && (
          <li>
            <a href="/account/passkeys">Passkeys</a>
          </li>
        )}
        {props.sendsMail && (
          <li>
            <a href="/account/email">Change your email address</a>
          </li>
        )}
        <li>
          <a href="/account/apps">Connected apps</a>
        </li>
        <li>
          <a href="/account/delete">Delete your account</a>
        </li>
      </ul>
      <LinkedProviders providers={props.providers ?? []} linked={props.linked ?? []} />
      <form method="post" action="/account/logout">
        <button type="submit">Log out</button>
      </form>
    </Layout>
  );
}

export function PasswordPage(props: FormState & { minLength: number; twoFactor?: boolean }) {
  return (
    <Layout title="Change your password">
      <h1>Change your password</h1>
      <Alerts {...props} />
      <p class="muted">You will stay logged in here; every other device will be logged out.</p>
      <form method="post" action="/account/password">
        <label for="current_password">Current password</label>
        <input id="current_password" name="current_password" type="password" autocomplete="current-password" required />
        <label for="new_password">New password</label>
        <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength={props.minLength} />
        {props.twoFactor && <CodeFields />}
        <button type="submit">Change password</button>
      </form>
      <p class="links">
        <a href="/account/profile">Back to your account</a>
      </p>
    </Layout>
  );
}

export function PasswordChangedPage() {
  return (
    <Layout title="Password changed">
      <h1>Password changed</h1>
      <Alerts notice="Your password was changed. Every other device was logged out; this one stays logged in." />
      <p class="links">
        <a href="/account/profile">Back to your account</a>
      </p>
    </Layout>
  );
}

export function DeletePage(props: FormState & { email: string; twoFactor?: boolean; passwordless?: boolean }) {
  return (
    <Layout title="Delete your account">
      <h1>Delete your account</h1>
      <Alerts {...props} />
      <p>
        This deletes the account <strong>{props.email}</strong>: its password, every session on every device and any pending password reset.
        It cannot be undone; the address can be used to register again.
      </p>
      <form method="post" action="/account/delete">
        {props.passwordless ? (
          // No password to ask for: a recent "confirm it is you" (through the provider) is the proof.
          <input type="hidden" name="password" value="(none)" />
        ) : (
          <>
            <label for="password">Your password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
          </>
        )}
        {props.twoFactor && !props.passwordless && <CodeFields />}
        <button type="submit" class="danger">
          Delete my account
        </button>
      </form>
      <p class="links">
        <a href="/account/profile">Keep my account</a>
      </p>
    </Layout>
  );
}

export function AccountDeletedPage() {
  return (
    <Layout title="Account deleted">
      <h1>Account deleted</h1>
      <Alerts notice="Your account and everything in it were deleted, and you were logged out everywhere." />
      <p class="links">
        <a href="/account/register">Create an account</a>
      </p>
    </Layout>
  );
}
