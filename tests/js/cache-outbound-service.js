// A cache service for cache-outbound-test.js: records every request it receives (GET /__log
// returns them and clears the record) and answers by the last path segment of the URL.
let received = [];

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__log") {
      const out = received;
      received = [];
      return Response.json(out);
    }
    const headers = {};
    for (const [name, value] of request.headers) headers[name] = value;
    const body = request.body === null ? null : await request.text();
    received.push({ method: request.method, url: request.url, headers, body });
    const last = url.pathname.split("/").pop();
    if (request.method === "GET") {
      if (last === "hit") {
        return new Response("cached body", {
          status: 200, headers: { "CF-Cache-Status": "HIT", "X-From": "cache-service" },
        });
      }
      if (last === "no-status") return new Response("not a cache answer");
      if (last === "expired") {
        return new Response("stale", { headers: { "CF-Cache-Status": "EXPIRED" } });
      }
      return new Response(null, { status: 504, headers: { "CF-Cache-Status": "MISS" } });
    }
    if (request.method === "PURGE") return new Response(null, { status: last === "hit" ? 200 : 404 });
    if (request.method === "PUT") return new Response(null, { status: last === "refused" ? 500 : 204 });
    return new Response(null, { status: 405 });
  },
};
