// Preloaded into the wrangler process by `npm start` (node --import): each message the local
// EMAIL binding "sends" is printed by Miniflare to wrangler's own standard output, with the
// paths of temporary files that go when the server stops. Watching that output from inside
// keeps the terminal wrangler's (its keys and colours need a TTY, which a pipe would take away),
// and each message is copied into .mail/ as it is printed (scripts/lib/local-mail.mjs). It also
// says which address to open once wrangler is ready.
import { saveLoggedMail } from "./local-mail.mjs";

const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const written = write(chunk, ...rest);
  const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  if (text.includes("send_email binding called")) saveLoggedMail(text, (line) => write(`${line}\n`));
  // wrangler names the address it listens on; people should open PUBLIC_URL, whose host name
  // passkeys are bound to (browsers refuse them on 127.0.0.1).
  const open = process.env.EDGE_AUTH_OPEN_URL;
  if (open && /Ready on http/.test(text))
    write(`[edge-auth] open ${open} in a browser (passkeys need this host name, not an IP address)\n`);
  return written;
};
