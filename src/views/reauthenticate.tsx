import type { FormState } from "./forms";
import { Alerts, Layout } from "./layout";
import { PasskeyButton } from "./sign-in";
import { CodeFields } from "./two-factor";

/**
 * "Confirm it is you": a sensitive action (log out everywhere else, add or remove a passkey)
 * needs a recent proof; the password, a code or a passkey gives one, then back to `next`.
 */
export function ReauthenticatePage(props: FormState & { next: string; twoFactor: boolean; providers?: { id: string; name: string }[] }) {
  const action = `/account/reauthenticate?next=${encodeURIComponent(props.next)}`;
  return (
    <Layout title="Confirm it is you" passkeys>
      <h1>Confirm it is you</h1>
      <Alerts {...props} />
      <p class="muted">This is a sensitive change. Confirm it is you, then do it again: for the next few minutes it will not ask.</p>
      <form method="post" action={action}>
        <label for="password">Your password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Confirm</button>
      </form>
      {props.twoFactor && (
        <form method="post" action={action}>
          <p class="or">or</p>
          <CodeFields />
          <button type="submit" class="secondary">
            Confirm with a code
          </button>
        </form>
      )}
      <PasskeyButton id="passkey-reauth" label="Confirm with a passkey" next={props.next} />
      {(props.providers ?? []).map((p) => (
        <p>
          <a
            class="button secondary"
            href={`/auth/${p.id}?intent=reauth&next=${encodeURIComponent(props.next)}`}
            data-reauth-provider={p.id}
          >
            Confirm with {p.name}
          </a>
        </p>
      ))}
      <p class="links">
        <a href={props.next}>Cancel</a>
      </p>
    </Layout>
  );
}
