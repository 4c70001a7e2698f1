// What a local script does on Ctrl-C or a SIGTERM, in place of what importing wrangler sets up.
// wrangler's module (imported here for its config readers) adds SIGINT and SIGTERM listeners
// that call process.exit() at once, and listeners run in the order they were added: a script
// that had started a server would exit before stopping it. `npm start` did: after a SIGTERM it
// exited and left wrangler dev serving on its port.

/**
 * Runs `stop(signal)` on SIGINT and SIGTERM, and nothing else: every listener added before is
 * removed (wrangler's; and Miniflare's, which kills its workerd and exits, when a Miniflare is
 * already running: `stop` must then dispose of it, as serve.mjs's does).
 */
export function onStopSignals(stop) {
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.removeAllListeners(signal);
    process.on(signal, () => stop(signal));
  }
}
