// Renders a greeting for /users/ID with data fetched from the backend service.
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    const reply = await env.BACKEND.fetch(`http://backend${pathname}`);
    if (reply.status === 404) return new Response("Nobody here.\n", { status: 404 });
    const user = await reply.json();
    return new Response(`Hello, ${user.name} (user ${user.id}), via ${reply.headers.get("x-served-by")}\n`);
  },

  async test(controller, env, ctx) {
    const ok = await this.fetch(new Request("http://example.com/users/7"), env, ctx);
    const text = await ok.text();
    if (text !== "Hello, Ada (user 7), via backend\n") {
      throw new Error(`unexpected page ${JSON.stringify(text)}`);
    }
    const missing = await this.fetch(new Request("http://example.com/users/1"), env, ctx);
    if (missing.status !== 404) throw new Error(`missing user gave ${missing.status}`);
  },
};
