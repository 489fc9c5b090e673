import { greeting } from "./greeting.js";

function handle(request) {
  const name = new URL(request.url).searchParams.get("name") ?? "world";
  return new Response(greeting(name), {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

export default {
  async fetch(request, env, ctx) {
    return handle(request);
  },

  // Run by `colony test`: throws if the worker answers wrongly.
  async test(controller, env, ctx) {
    const plain = await this.fetch(new Request("http://example.com/"), env, ctx);
    const named = await this.fetch(new Request("http://example.com/?name=Ada"), env, ctx);
    const [plainText, namedText] = [await plain.text(), await named.text()];
    if (plainText !== "Hello, world, from a Colony module worker!\n") {
      throw new Error(`unexpected default greeting: ${JSON.stringify(plainText)}`);
    }
    if (namedText !== "Hello, Ada, from a Colony module worker!\n") {
      throw new Error(`unexpected named greeting: ${JSON.stringify(namedText)}`);
    }
  },
};
