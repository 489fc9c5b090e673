import { ok, equal, deepEqual, throws, rejects } from "assert.js";

export const blobBasics = {
  async test() {
    const b = new Blob(["ab", new Uint8Array([99]), new Blob(["d"]), new Uint16Array([0x6665]).buffer], { type: "Text/Plain" });
    equal(b.size, 6);
    equal(b.type, "text/plain");
    equal(await b.text(), "abcdef");
    deepEqual(Array.from(await b.bytes()), [97, 98, 99, 100, 101, 102]);
    const ab = await b.arrayBuffer();
    ok(ab instanceof ArrayBuffer);
    equal(ab.byteLength, 6);
    equal(new Blob().size, 0);
    equal(new Blob([], { type: "a\u0001b" }).type, "");
    throws(() => new Blob("abc"), TypeError);
    equal(await new Blob(["a\r\nb"]).text(), "a\r\nb");
  },
};

export const blobSlice = {
  async test() {
    const b = new Blob(["abcdef"], { type: "x/y" });
    equal(await b.slice(1, 3).text(), "bc");
    equal(await b.slice(-3, -1).text(), "de");
    equal(await b.slice(4, 2).text(), "");
    equal(await b.slice(2).text(), "cdef");
    equal(b.slice(1).type, "");
    equal(b.slice(1, 2, "A/B").type, "a/b");
    equal(b.slice(0, 100).size, 6);
  },
};

export const blobStream = {
  async test() {
    const big = new Uint8Array(200000).map((_, i) => i & 0xff);
    const b = new Blob([big]);
    let total = 0, sum = 0;
    for await (const chunk of b.stream()) {
      ok(chunk instanceof Uint8Array);
      total += chunk.length;
      for (const x of chunk) sum += x;
    }
    equal(total, 200000);
    equal(sum, big.reduce((a, x) => a + x, 0));
    const reader = new Blob(["xyz"]).stream().getReader({ mode: "byob" });
    const r = await reader.read(new Uint8Array(2));
    equal(new TextDecoder().decode(r.value), "xy");
  },
};

export const file = {
  async test() {
    const f = new File(["x"], "a/b.txt", { type: "text/plain", lastModified: 5 });
    ok(f instanceof Blob);
    equal(f.name, "a/b.txt");
    equal(f.lastModified, 5);
    equal(f.size, 1);
    equal(f.type, "text/plain");
    equal(await f.text(), "x");
    throws(() => new File(["x"]), TypeError);
    const now = Date.now();
    ok(Math.abs(new File([], "n").lastModified - now) < 5000);
  },
};

export const blobBodies = {
  async test() {
    const r = new Response(new Blob(["hi"], { type: "a/b" }));
    equal(r.headers.get("content-type"), "a/b");
    equal(await r.text(), "hi");
    equal(new Response(new Blob(["x"])).headers.get("content-type"), null);
    const got = await new Response("zz").blob();
    equal(got.type, "text/plain;charset=UTF-8");
    equal(await got.text(), "zz");
    const req = new Request("http://example.com/", { method: "PUT", body: new Blob(["q"]) });
    equal(await (await req.blob()).text(), "q");
    const streamed = await new Response(new Blob(["s"]).stream()).blob();
    equal(streamed.type, "");
    equal(await streamed.text(), "s");
  },
};
