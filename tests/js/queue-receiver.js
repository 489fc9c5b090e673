// Records what queue producers send (workerd's queue protocol), for queue-test.
let received = [];
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/reset") { received = []; return new Response("ok"); }
    if (url.pathname === "/received") return Response.json(received);
    if (request.headers.get("x-fail")) { await request.arrayBuffer(); return new Response("no", { status: 503, statusText: "Queue Full" }); }
    if (url.pathname === "/message") {
      const bytes = new Uint8Array(await request.arrayBuffer());
      received.push({ path: url.pathname, format: request.headers.get("x-msg-fmt"), size: bytes.length,
                      text: String.fromCharCode(...bytes) });
    } else if (url.pathname === "/batch") {
      const body = await request.json();
      received.push({ path: url.pathname, count: request.headers.get("cf-queue-batch-count"), messages: body.messages });
    }
    return Response.json({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0, oldestMessageTimestamp: 0 } } });
  },
};
