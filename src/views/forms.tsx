import { Layout } from "./layout";

/** What the pages share: the email field, a form's state, and the pages every area may end on. */

/** Accepts what the API accepts: `type="email"` would refuse addresses the service allows. */
export function EmailInput(props: { value?: string; name?: string; label?: string }) {
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
