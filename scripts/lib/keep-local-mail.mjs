// Preloaded into the wrangler process by `npm start` (node --import): each message the local
// EMAIL binding "sends" is printed by Miniflare to wrangler's own standard output, with the
// paths of temporary files that go when the server stops. Watching that output from inside
// keeps the terminal wrangler's (its keys and colours need a TTY, which a pipe would take away),
// and each message is copied into .mail/ as it is printed (scripts/lib/local-mail.mjs).
import { saveLoggedMail } from "./local-mail.mjs";

const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const written = write(chunk, ...rest);
  const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  if (text.includes("send_email binding called")) saveLoggedMail(text, (line) => write(`${line}\n`));
  return written;
};
