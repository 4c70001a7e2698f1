import type { ProviderConfig } from "../auth/options";
import { Layout } from "./layout";

/** A button per configured provider, on the login and registration pages. */
export function ProviderButtons(props: { providers: Pick<ProviderConfig, "id" | "name">[]; next?: string }) {
  if (props.providers.length === 0) return <></>;
  const next = props.next ? `?next=${encodeURIComponent(props.next)}` : "";
  return (
    <div class="providers" id="providers">
      <p class="muted">Or sign in with</p>
      {props.providers.map((p) => (
        <a class="button secondary" href={`/auth/${p.id}${next}`} data-provider={p.id}>
          {p.name}
        </a>
      ))}
    </div>
  );
}

/** A provider sign-in that did not sign anyone in, in words: why, and what to do. */
export function ProviderProblemPage(props: { title: string; message: string; login?: boolean }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p class="alert error" role="alert" id="provider-problem">
        {props.message}
      </p>
      <p class="links">
        <a href="/account/login">Log in</a>
        <a href="/account/register">Create an account</a>
      </p>
    </Layout>
  );
}

/** The profile's linked providers: each with Unlink, and Link for the others. */
export function LinkedProviders(props: { providers: Pick<ProviderConfig, "id" | "name">[]; linked: string[] }) {
  if (props.providers.length === 0) return <></>;
  return (
    <section id="linked-providers">
      <h2>Sign-in providers</h2>
      <ul class="menu">
        {props.providers.map((p) =>
          props.linked.includes(p.id) ? (
            <li data-linked={p.id}>
              {p.name}: linked
              <form method="post" action="/account/providers/unlink" class="inline">
                <input type="hidden" name="provider" value={p.id} />
                <button type="submit">Unlink</button>
              </form>
            </li>
          ) : (
            <li>
              <a href={`/auth/${p.id}?intent=link`}>Link {p.name}</a>
            </li>
          ),
        )}
      </ul>
    </section>
  );
}
