// What GET / would cost with no framework at all: a Worker that answers every request with the
// body and the response headers edge-auth's own GET / sent (taken from its answer by `npm run
// bench`, passed in as vars), a fresh request id included. The bound for the middleware's cost.
let headers;
export default {
  fetch(_request, env) {
    headers ??= JSON.parse(env.HEADERS);
    return new Response(env.BODY, { headers: { ...headers, "x-request-id": crypto.randomUUID() } });
  },
};
