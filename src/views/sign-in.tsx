import { EmailInput, type FormState } from "./forms";
import { Alerts, Layout } from "./layout";
import { ResendVerification } from "./email";

/** Registering and logging in. */

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
