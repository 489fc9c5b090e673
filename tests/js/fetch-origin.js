// The peer that fetch-global-test.js reaches: its globalOutbound and its ORIGIN binding.
const text = "Colony decodes compressed response bodies. ".repeat(40);
const encoded = {
  gzip: "H4sIAAAAAAAAA+3KsQ3AIBADwFU8QZZgE3gXkQhGuMr2GSONr76mqfWiOFQ0hp59aLNw6K1loqtu+kJLTU1NTU39u3703/gouAYAAA==",
  deflate: "eJztyrENwCAQA8BVPEGWYBN4F5EIRrjK9hkjja++pqn1ojhUNIaefWizcOitZaKrbvpCS01NTU1N/bt+ogmIFw==",
  br: "G7cG+I3UVndzR1RDbG5wpAGt8AXLQXRagpRvqYM7HVXue1BjKjh0YoId2eYqBQ==",
};
const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/echo") {
      const headers = {};
      for (const [k, v] of request.headers) headers[k] = v;
      return Response.json({ method: request.method, url: request.url, headers, body: await request.text() });
    }
    if (path.startsWith("/redirect/")) {
      const status = Number(path.slice("/redirect/".length));
      return new Response("moved", { status, headers: { location: url.searchParams.get("to") ?? "/echo" } });
    }
    if (path.startsWith("/chain/")) {
      const n = Number(path.slice("/chain/".length));
      if (n === 0) return new Response("end of chain");
      return new Response(null, { status: 302, headers: { location: `/chain/${n - 1}` } });
    }
    if (path === "/text") return new Response(text);
    if (path === "/encoded") {
      const coding = url.searchParams.get("coding");
      const header = url.searchParams.get("header") ?? coding;
      return new Response(bytes(encoded[coding]), { headers: { "content-encoding": header }, encodeBody: "manual" });
    }
    if (path === "/corrupt") {
      return new Response(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        { headers: { "content-encoding": "gzip" }, encodeBody: "manual" });
    }
    if (path === "/hang") return new Promise(() => {});
    if (path === "/trickle") {
      // One chunk, then nothing until the reader goes away.
      const stream = new ReadableStream({
        start(c) { c.enqueue(new TextEncoder().encode("first chunk")); },
        pull() { return new Promise(() => {}); },
      });
      return new Response(stream);
    }
    return new Response("no such path", { status: 404 });
  },
};
