import type { PasskeyInfo } from "../auth/passkeys";
import type { FormState } from "./forms";
import { Alerts, Layout } from "./layout";
import { PasskeyButton } from "./sign-in";

/** A Unix time as a date a person reads (UTC). */
const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** The account's passkeys: each with a way to remove it, and a button (the page's script) to add one. */
export function PasskeysPage(props: FormState & { passkeys: PasskeyInfo[] }) {
  return (
    <Layout title="Passkeys" passkeys>
      <h1>Passkeys</h1>
      <Alerts {...props} />
      <p class="muted">
        A passkey signs you in with your device's screen lock or a security key, without a password. It counts as two factors.
      </p>
      {props.passkeys.length === 0 ? (
        <p id="passkeys">You have no passkey yet.</p>
      ) : (
        <ul class="menu" id="passkeys">
          {props.passkeys.map((p) => (
            <li data-passkey-id={p.id}>
              <strong>{p.name}</strong>
              <br />
              <span class="muted">
                Added {day(p.createdAt)}; {p.lastUsedAt ? `last used ${day(p.lastUsedAt)}` : "not used yet"}
                {p.backedUp ? "; synced" : ""}
              </span>
              <form method="post" action="/account/passkeys/remove" class="inline">
                <input type="hidden" name="passkey" value={p.id} />
                <button type="submit">Remove</button>
              </form>
            </li>
          ))}
        </ul>
      )}
      <PasskeyButton id="passkey-add" label="Add a passkey" alone />
      <noscript>
        <p class="muted">Adding a passkey needs JavaScript: your browser talks to your device for it.</p>
      </noscript>
      <p class="links">
        <a href="/account/profile">Back to your account</a>
      </p>
    </Layout>
  );
}
