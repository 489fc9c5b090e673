import { ok, equal, deepEqual, throws, rejects } from "assert.js";

async function readAll(readable) {
  const parts = [];
  for await (const chunk of readable) parts.push(...chunk);
  return parts;
}

export const identityTransformStream = {
  async test() {
    const ts = new IdentityTransformStream();
    ok(ts instanceof TransformStream);
    const writer = ts.writable.getWriter();
    const all = readAll(ts.readable);
    const src = new Uint8Array([1, 2, 3]);
    await writer.write(src);
    equal(src.byteLength, 3, "the written chunk stays usable");
    await writer.write(new Uint16Array([0x0201]));
    await writer.write("hi");
    await writer.close();
    deepEqual(await all, [1, 2, 3, 1, 2, 104, 105]);
  },
};

export const identityByob = {
  async test() {
    const ts = new IdentityTransformStream();
    const writer = ts.writable.getWriter();
    const reader = ts.readable.getReader({ mode: "byob" });
    writer.write(new Uint8Array([1, 2, 3, 4, 5]));
    const a = await reader.read(new Uint8Array(3));
    deepEqual(Array.from(a.value), [1, 2, 3]);
    const b = await reader.read(new Uint8Array(8));
    deepEqual(Array.from(b.value), [4, 5]);
  },
};

export const fixedLengthStream = {
  async test() {
    throws(() => new FixedLengthStream(), TypeError);
    throws(() => new FixedLengthStream(-1), TypeError);
    const ok3 = new FixedLengthStream(3);
    const res = new Response(ok3.readable);
    const w = ok3.writable.getWriter();
    w.write(new Uint8Array([1, 2]));
    w.write(new Uint8Array([3]));
    w.close();
    equal((await res.arrayBuffer()).byteLength, 3);

    const long = new FixedLengthStream(2);
    const lw = long.writable.getWriter();
    const lr = long.readable.getReader();
    lw.write(new Uint8Array(5)).catch(() => {});
    await rejects(lr.read(), TypeError);

    const short = new FixedLengthStream(3n);
    const sw = short.writable.getWriter();
    const sr = short.readable.getReader();
    sw.write(new Uint8Array(2));
    sw.close().catch(() => {});
    equal((await sr.read()).value.length, 2);
    await rejects(sr.read(), TypeError);
  },
};

export const textEncoderStream = {
  async test() {
    const ts = new TextEncoderStream();
    equal(ts.encoding, "utf-8");
    ok(ts instanceof TransformStream);
    const writer = ts.writable.getWriter();
    const all = readAll(ts.readable);
    writer.write("h\u00e9");
    writer.write("\ud83d");
    writer.write("\ude00!");
    writer.write("\ud800");
    writer.close();
    deepEqual(await all, [0x68, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0x21, 0xef, 0xbf, 0xbd]);
  },
};

export const textDecoderStream = {
  async test() {
    const ts = new TextDecoderStream();
    equal(ts.encoding, "utf-8");
    equal(ts.fatal, false);
    equal(ts.ignoreBOM, false);
    const writer = ts.writable.getWriter();
    const reader = ts.readable.getReader();
    writer.write(new Uint8Array([0x68, 0xc3]));
    writer.write(new Uint8Array([0xa9]));
    writer.close();
    let text = "";
    for (;;) { const { value, done } = await reader.read(); if (done) break; text += value; }
    equal(text, "h\u00e9");
    throws(() => new TextDecoderStream("nope"), RangeError);

    const fatal = new TextDecoderStream("utf-8", { fatal: true });
    equal(fatal.fatal, true);
    const fw = fatal.writable.getWriter();
    const fr = fatal.readable.getReader();
    fw.write(new Uint8Array([0xff])).catch(() => {});
    await rejects(fr.read(), TypeError);

    const piped = new Response("caf\u00e9").body.pipeThrough(new TextDecoderStream());
    let s = "";
    for await (const part of piped) s += part;
    equal(s, "caf\u00e9");
  },
};
