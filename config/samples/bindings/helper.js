// Reached only through the HELPER service binding of "main": no socket exposes it.
export default {
  async fetch(request) {
    return new Response(`helper saw ${new URL(request.url).pathname}`);
  },

  async test() {
    const text = await (await this.fetch(new Request("http://helper/x"))).text();
    if (text !== "helper saw /x") throw new Error(`unexpected reply ${JSON.stringify(text)}`);
  },
};
