#!/usr/bin/env node
// `npm run mail`: the latest messages the local servers (`npm start`, `npm run serve`) sent, as
// kept in .mail/: when, to whom, the subject and every link, newest last (so the one just sent
// is at the bottom of the terminal).
//   npm run mail              the latest 5
//   npm run mail -- --all     every message kept
//   npm run mail -- --json    the same as JSON (one array), for scripts
import { parseArgs } from "node:util";
import { mailDir, savedMail } from "./lib/local-mail.mjs";

const usage = "usage: npm run mail -- [--last <n>] [--all] [--json]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      last: { type: "string", default: "5" },
      all: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  console.error(`mail: ${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const last = Number(values.last);
if (!Number.isInteger(last) || last < 1) {
  console.error(`mail: --last takes a whole number from 1\n${usage}`);
  process.exit(2);
}
const messages = savedMail()
  .slice(0, values.all ? undefined : last)
  .reverse();
if (values.json) {
  console.log(JSON.stringify(messages, null, 2));
} else if (messages.length === 0) {
  console.log(`mail: nothing kept in ${mailDir} yet (npm start and npm run serve keep every message they send there)`);
} else {
  for (const mail of messages) {
    console.log(`${mail.at}  to ${mail.to}\n  ${mail.subject}`);
    for (const link of mail.links) console.log(`  ${link}`);
    console.log(`  (${mail.file})\n`);
  }
}
