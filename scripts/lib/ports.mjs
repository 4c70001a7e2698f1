// Port helpers for the scripts that start servers (serve, bench, stress).
import net from "node:net";

/** A port nothing listens on right now (the kernel picks it), so parallel runs do not collide. */
export function freePort(host = "127.0.0.1") {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count, host = "127.0.0.1") {
  const ports = new Set();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

/**
 * Tries to listen on host:port and closes again. Resolves to null when the port can be used, or to
 * the error code that stopped it (EADDRINUSE, EACCES, EADDRNOTAVAIL, ...).
 */
export function portProblem(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (error) => resolve(error.code ?? String(error.message)));
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

/** One line saying why host:port cannot be used, for `program` (serve, bench, stress). */
export function describePortProblem(program, code, port, host, flag = "--port") {
  switch (code) {
    case "EADDRINUSE":
      return `${program}: port ${port} on ${host} is in use; pick another with ${flag}`;
    case "EACCES":
      return `${program}: no permission to listen on port ${port} on ${host}; pick one above 1023 with ${flag}`;
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${program}: ${host} is not an address of this machine; pick another with --ip`;
    default:
      return `${program}: cannot listen on ${host}:${port} (${code})`;
  }
}

/** Parses a port number (1-65535); returns NaN when it is not one. */
export function parsePort(text) {
  const port = /^\d+$/.test(String(text).trim()) ? Number(text) : NaN;
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : NaN;
}
