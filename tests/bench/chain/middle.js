export default {
  async fetch(request, env) {
    const res = await env.NEXT.fetch(request);
    return new Response("middle>" + (await res.text()));
  },
};
