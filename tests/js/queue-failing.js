export default {
  async fetch(request) {
    await request.arrayBuffer();
    return new Response("full", { status: 503, statusText: "Queue Full" });
  },
};
