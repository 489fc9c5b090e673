// A second worker whose memoryCache binding names the same id as memory-cache-test's.
export default {
  async fetch(request, env) {
    const key = new URL(request.url).pathname.slice(1);
    return new Response(String(await env.CACHE.read(key)));
  },
};
