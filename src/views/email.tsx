import { EmailInput, type FormState } from "./forms";
import { Alerts, Layout } from "./layout";
import { CodeFields } from "./two-factor";

/** Mail: verifying an address, changing it, the pages a mailed link opens. */

/** A button that sends a new verification link to `email` (the answer is the same for anyone). */
export function ResendVerification(props: { email: string; label?: string }) {
  return (
    <form method="post" action="/account/verify/resend">
      <input type="hidden" name="email" value={props.email} />
      <button type="submit">{props.label ?? "Send me a new verification link"}</button>
    </form>
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

export function ChangeEmailPage(props: FormState & { current: string; twoFactor?: boolean }) {
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
        {props.twoFactor && <CodeFields />}
        <button type="submit">Send the link</button>
      </form>
      <p class="links">
        <a href="/account/profile">Back to your account</a>
      </p>
    </Layout>
  );
}

/** The undo link's page: the token rides hidden; a new password, since the old one may be known. */
export function RevertEmailPage(props: FormState & { token: string; minLength: number }) {
  return (
    <Layout title="Undo the address change">
      <h1>Undo the address change</h1>
      <Alerts {...props} />
      <p>
        Your account gets this address back. Whoever changed it may know your password, so choose a new one: every device will be logged
        out.
      </p>
      <form method="post" action="/account/email/revert">
        <input type="hidden" name="token" value={props.token} />
        <label for="new_password">New password</label>
        <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength={props.minLength} />
        <button type="submit">Get my address back</button>
      </form>
    </Layout>
  );
}
