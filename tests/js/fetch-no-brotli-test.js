import { equal } from "assert.js";

// Before the brotli_content_encoding date, "br" bodies are not decoded (as in workerd).
export const brotliOff = {
  async test() {
    const r = await fetch("http://example.com/encoded?coding=br");
    equal(r.headers.get("content-encoding"), "br");
    const bytes = new Uint8Array(await r.arrayBuffer());
    equal(bytes[0], 0x1b);
    equal(await (await fetch("http://example.com/encoded?coding=gzip")).text().then((t) => t.length), 1720);
  },
};
