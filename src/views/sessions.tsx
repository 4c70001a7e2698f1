import type { SessionInfo } from "../auth/auth";
import { Alerts, Layout } from "./layout";

/** Where the account is logged in. */

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
