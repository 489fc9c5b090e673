// Checks the "main" service of this sample; run by `colony test`.
export default {
  async test(controller, env) {
    const response = await env.MAIN.fetch("http://example.com/some/path");
    const text = await response.text();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    if (text !== "Hello from Colony! You asked for /some/path\n") {
      throw new Error(`unexpected greeting: ${JSON.stringify(text)}`);
    }
    if (!response.headers.get("content-type").startsWith("text/plain")) {
      throw new Error("wrong content-type");
    }
  },
};
