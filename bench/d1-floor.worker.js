// The runtime's floor for one D1 round trip: a Worker with no framework, no hashing and no
// JSON parsing of its own that answers every request with one `SELECT 1` through D1. Served on
// workerd the same way as edge-auth by `npm run bench`, it bounds what GET /profile can reach.
export default {
  async fetch(_request, env) {
    const row = await env.DB.prepare("SELECT 1 AS one").first();
    return Response.json(row);
  },
};
