import type { SessionInfo } from "../auth/auth";
import { Alerts, Layout } from "./layout";

/** Accepts what the API accepts: `type="email"` would refuse addresses the service allows. */
function EmailInput(props: { value?: string; name?: string; label?: string }) {
  const name = props.name ?? "email";
  return (
    <>
      <label for={name}>{props.label ?? "Email"}</label>
      <input
        id={name}
        name={name}
        type="text"
        inputmode="email"
        autocomplete="email"
        spellcheck={false}
        required
        value={props.value ?? ""}
      />
    </>
  );
}

export interface FormState {
  error?: string;
  notice?: string;
  email?: string;
}

export function RegisterPage(props: FormState & { minLength: number }) {
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
      <p class="links">
        <a href="/account/login">I have an account</a>
      </p>
    </Layout>
  );
}

/** A button that sends a new verification link to `email` (the answer is the same for anyone). */
function ResendVerification(props: { email: string; label?: string }) {
  return (
    <form method="post" action="/account/verify/resend">
      <input type="hidden" name="email" value={props.email} />
      <button type="submit">{props.label ?? "Send me a new verification link"}</button>
    </form>
  );
}

export function LoginPage(props: FormState & { unverified?: boolean }) {
  return (
    <Layout title="Log in">
      <h1>Log in</h1>
      <Alerts {...props} />
      {props.unverified && props.email && <ResendVerification email={props.email} />}
      <form method="post" action="/account/login">
        <EmailInput value={props.email} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Log in</button>
      </form>
      <p class="links">
        <a href="/account/register">Create an account</a>
        <a href="/account/forgot">Forgot your password?</a>
      </p>
    </Layout>
  );
}

export function ProfilePage(props: { email: string; verified: boolean; sendsMail: boolean; plainAddress: boolean; notice?: string }) {
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
        {props.sendsMail && (
          <li>
            <a href="/account/email">Change your email address</a>
          </li>
        )}
        <li>
          <a href="/account/delete">Delete your account</a>
        </li>
      </ul>
      <form method="post" action="/account/logout">
        <button type="submit">Log out</button>
      </form>
    </Layout>
  );
}

/** A Unix time as a person reads it, in UTC (the server does not know the reader's zone). */
function when(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function SessionsPage(props: { sessions: SessionInfo[]; notice?: string }) {
  const others = props.sessions.filter((s) => !s.current).length;
  return (
    <Layout title="Where you are logged in" wide>
      <h1>Where you are logged in</h1>
      <Alerts notice={props.notice} />
      <p class="muted">
        Every device or browser logged in to your account. If you do not recognise one, log it out and change your password.
      </p>
      <table id="sessions">
        <tr>
          <th>Device</th>
          <th>Country</th>
          <th>Logged in</th>
          <th>Last used</th>
          <th></th>
        </tr>
        {props.sessions.map((s) => (
          <tr data-session={s.id}>
            <td class="device">{s.device ?? "Unknown device"}</td>
            <td data-label="Country">{s.country ?? "Unknown"}</td>
            <td data-label="Logged in">{when(s.createdAt)}</td>
            <td data-label="Last used">{when(s.lastUsedAt)}</td>
            <td class="this">
              {s.current ? (
                <strong>This device</strong>
              ) : (
                <form method="post" action="/account/sessions/end" class="inline">
                  <input type="hidden" name="session" value={s.id} />
                  <button type="submit">Log out</button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </table>
      {others > 0 && (
        <form method="post" action="/account/sessions/end-others">
          <button type="submit">Log out everywhere else</button>
        </form>
      )}
      <p class="links">
        <a href="/account/profile">Back to your account</a>
      </p>
    </Layout>
  );
}

export function PasswordPage(props: FormState & { minLength: number }) {
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

export function DeletePage(props: FormState & { email: string }) {
  return (
    <Layout title="Delete your account">
      <h1>Delete your account</h1>
      <Alerts {...props} />
      <p>
        This deletes the account <strong>{props.email}</strong>: its password, every session on every device and any pending password reset.
        It cannot be undone; the address can be used to register again.
      </p>
      <form method="post" action="/account/delete">
        <label for="password">Your password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
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

/** A failure with no form to show again (a missing page, a refused request, an outage). */
export function ProblemPage(props: { title: string; message: string }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p class="alert error" role="alert">
        {props.message}
      </p>
      <p class="links">
        <a href="/account/login">Log in</a>
        <a href="/account/register">Create an account</a>
      </p>
    </Layout>
  );
}

/** GET / for a browser: the JSON API's welcome, with the way to the pages and the docs. */
export function HomePage() {
  return (
    <Layout title="edge-auth">
      <h1>Bienvenue</h1>
      <p>This is an authentication service. Its JSON API is described in the API reference; people use the account pages.</p>
      <p class="links">
        <a href="/account/login">Log in</a>
        <a href="/account/register">Create an account</a>
        <a href="/docs">API reference</a>
      </p>
    </Layout>
  );
}

/** After asking for mail: the same words whether or not the address has an account. */
export function CheckMailPage(props: { title: string; message: string; back?: { href: string; label: string } }) {
  const back = props.back ?? { href: "/account/login", label: "Back to log in" };
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <Alerts notice={props.message} />
      <p class="muted">Nothing there after a few minutes? Check the spam folder, or ask again.</p>
      <p class="links">
        <a href={back.href}>{back.label}</a>
      </p>
    </Layout>
  );
}

/** A mailed link that no longer works (used, expired, or replaced by a change): no form to fill in, the way to a new one. */
export function LinkUsedPage(props: { message: string; again: { href: string; label: string } }) {
  return (
    <Layout title="This link no longer works">
      <h1>This link no longer works</h1>
      <p class="alert error" role="alert">
        {props.message}
      </p>
      <p class="links">
        <a href={props.again.href}>{props.again.label}</a>
        <a href="/account/login">Log in</a>
      </p>
    </Layout>
  );
}

/**
 * A mailed link opens this page; the token only goes further when the person presses the button
 * (mail scanners that fetch every link change nothing).
 */
export function ConfirmLinkPage(props: { title: string; text: string; action: string; token: string; button: string }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p>{props.text}</p>
      <form method="post" action={props.action}>
        <input type="hidden" name="token" value={props.token} />
        <button type="submit">{props.button}</button>
      </form>
    </Layout>
  );
}

export function DoneWithLinkPage(props: { title: string; message: string; next: { href: string; label: string } }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <Alerts notice={props.message} />
      <p class="links">
        <a href={props.next.href}>{props.next.label}</a>
      </p>
    </Layout>
  );
}

export function ChangeEmailPage(props: FormState & { current: string }) {
  return (
    <Layout title="Change your email address">
      <h1>Change your email address</h1>
      <Alerts {...props} />
      <p class="muted">
        Your address is <strong>{props.current}</strong>. We will mail a link to the new one; the change happens when you open it, and the
        current address gets a notice.
      </p>
      <form method="post" action="/account/email">
        <EmailInput name="new_email" label="New email address" value={props.email} />
        <label for="password">Your password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Send the link</button>
      </form>
      <p class="links">
        <a href="/account/profile">Back to your account</a>
      </p>
    </Layout>
  );
}
