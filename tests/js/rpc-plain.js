// A service whose default export is a plain object, not a WorkerEntrypoint class.
export default {
  async fetch(request) { return new Response("plain fetch"); },
  hello(arg, env, ctx) { return `hello ${arg} ${env.LABEL} ${typeof ctx.waitUntil}`; },
};
