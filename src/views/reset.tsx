import { EmailInput, type FormState } from "./forms";
import { Alerts, Layout } from "./layout";

/** Forgetting a password and setting a new one. */

export function ForgotPage(props: FormState & { byMail: boolean }) {
  return (
    <Layout title="Forgot your password?">
      <h1>Forgot your password?</h1>
      <Alerts {...props} />
      <p class="muted">
        {props.byMail
          ? "Enter your address: we will mail you a link to choose a new password. It works once, for a limited time."
          : "This service is set up to show the reset token on the next page instead of mailing it. It works once, for a limited time."}
      </p>
      <form method="post" action="/account/forgot">
        <EmailInput value={props.email} />
        <button type="submit">{props.byMail ? "Send me a link" : "Get a reset token"}</button>
      </form>
      <p class="links">
        <a href="/account/login">Back to log in</a>
      </p>
    </Layout>
  );
}

/**
 * The token, and the form to use it, in the answer to a POST: the token never goes into a URL
 * (browser history, proxies and platform request logs keep URLs).
 */
export function TokenPage(props: { email: string; token: string; minutes: number; minLength: number }) {
  return (
    <Layout title="Your reset token">
      <h1>Your reset token</h1>
      <p class="muted">This service shows reset tokens here instead of mailing them. It works once, for {props.minutes} minutes.</p>
      <code class="token" id="reset-token">
        {props.token}
      </code>
      <ResetForm email={props.email} token={props.token} minLength={props.minLength} />
    </Layout>
  );
}

/** With `fromLink`, the token came in a mailed link: it rides along hidden, and no address is asked. */
function ResetForm(props: { email?: string; token?: string; minLength: number; fromLink?: boolean }) {
  if (props.fromLink) {
    return (
      <form method="post" action="/account/reset">
        <input type="hidden" name="reset_token" value={props.token ?? ""} />
        <label for="new_password">New password</label>
        <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength={props.minLength} />
        <button type="submit">Set password</button>
      </form>
    );
  }
  return (
    <form method="post" action="/account/reset">
      <EmailInput value={props.email} />
      <label for="reset_token">Reset token</label>
      <input id="reset_token" name="reset_token" required autocomplete="off" value={props.token ?? ""} />
      <label for="new_password">New password</label>
      <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength={props.minLength} />
      <button type="submit">Set password</button>
    </form>
  );
}

export function ResetPage(props: FormState & { token?: string; minLength: number; fromLink?: boolean }) {
  return (
    <Layout title="Set a new password">
      <h1>Set a new password</h1>
      <Alerts {...props} />
      <ResetForm email={props.email} token={props.token} minLength={props.minLength} fromLink={props.fromLink} />
      <p class="links">
        <a href="/account/forgot">{props.fromLink ? "Get a new link" : "Get a new token"}</a>
        <a href="/account/login">Back to log in</a>
      </p>
    </Layout>
  );
}

export function DonePage() {
  return (
    <Layout title="Password updated">
      <h1>Password updated</h1>
      <Alerts notice="Your password was changed and any open session was ended." />
      <p class="links">
        <a href="/account/login">Log in with your new password</a>
      </p>
    </Layout>
  );
}
