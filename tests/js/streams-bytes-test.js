import { ok, equal, deepEqual, throws, rejects } from "assert.js";

function byteSource(chunks) {
  return new ReadableStream({
    type: "bytes",
    pull(c) {
      if (chunks.length === 0) { c.close(); c.byobRequest?.respond(0); return; }
      c.enqueue(new Uint8Array(chunks.shift()));
    },
  });
}

export const byobReads = {
  async test() {
    const rs = byteSource([[1, 2, 3, 4, 5]]);
    const reader = rs.getReader({ mode: "byob" });
    const view = new Uint8Array(3);
    const first = await reader.read(view);
    equal(first.done, false);
    deepEqual(Array.from(first.value), [1, 2, 3]);
    equal(view.byteLength, 0, "the view's buffer is transferred");
    const second = await reader.read(new Uint8Array(8));
    deepEqual(Array.from(second.value), [4, 5]);
    const end = await reader.read(new Uint8Array(8));
    equal(end.done, true);
    equal(end.value.byteLength, 0);
    ok(end.value instanceof Uint8Array);
  },
};

export const byobErrors = {
  async test() {
    const rs = byteSource([]);
    const reader = rs.getReader({ mode: "byob" });
    await rejects(reader.read(), TypeError);
    await rejects(reader.read(new Uint8Array(0)), TypeError);
    await rejects(reader.read({}), TypeError);
    throws(() => new ReadableStream().getReader({ mode: "byob" }), TypeError);
    throws(() => new ReadableStream().getReader({ mode: "other" }), TypeError);
    throws(() => new ReadableStream({ type: "nope" }), TypeError);
  },
};

export const byobRequestRespond = {
  async test() {
    let calls = 0;
    const rs = new ReadableStream({
      type: "bytes",
      pull(c) {
        const req = c.byobRequest;
        calls++;
        if (calls === 1) {
          req.view[0] = 42;
          req.view[1] = 43;
          req.respond(2);
        } else {
          c.close();
          req.respond(0);
        }
      },
    });
    const reader = rs.getReader({ mode: "byob" });
    const r1 = await reader.read(new Uint8Array(10));
    deepEqual(Array.from(r1.value), [42, 43]);
    const r2 = await reader.read(new Uint8Array(10));
    equal(r2.done, true);
  },
};

export const typedViewsAndMin = {
  async test() {
    const rs = byteSource([[1, 0], [2], [0, 3, 0]]);
    const reader = rs.getReader({ mode: "byob" });
    const r = await reader.read(new Uint16Array(3), { min: 3 });
    ok(r.value instanceof Uint16Array);
    deepEqual(Array.from(r.value), [1, 2, 3]);
    await rejects(reader.read(new Uint16Array(2), { min: 3 }));
    await rejects(reader.read(new Uint8Array(2), { min: 0 }), TypeError);
  },
};

export const defaultReaderOnByteStream = {
  async test() {
    const rs = byteSource([[1, 2], [3]]);
    const chunks = [];
    for await (const chunk of rs) chunks.push(Array.from(chunk));
    deepEqual(chunks, [[1, 2], [3]]);

    const auto = new ReadableStream({
      type: "bytes",
      autoAllocateChunkSize: 4,
      pull(c) { c.byobRequest.view.set([7, 8]); c.byobRequest.respond(2); },
    });
    const r = await auto.getReader().read();
    deepEqual(Array.from(r.value), [7, 8]);
    throws(() => new ReadableStream({ type: "bytes", autoAllocateChunkSize: 0 }), TypeError);
  },
};

export const byteControllerErrors = {
  async test() {
    let ctl;
    const rs = new ReadableStream({ type: "bytes", start(c) { ctl = c; } });
    throws(() => ctl.enqueue("str"), TypeError);
    throws(() => ctl.enqueue(new Uint8Array(0)), TypeError);
    ctl.enqueue(new Uint8Array([1]));
    equal(ctl.desiredSize, -1);
    ctl.close();
    throws(() => ctl.close(), TypeError);
    throws(() => ctl.enqueue(new Uint8Array([2])), TypeError);
    const reader = rs.getReader();
    deepEqual(Array.from((await reader.read()).value), [1]);
    equal((await reader.read()).done, true);
  },
};

export const byteTee = {
  async test() {
    const rs = byteSource([[1, 2], [3]]);
    const [a, b] = rs.tee();
    const ra = a.getReader({ mode: "byob" });
    const got = await ra.read(new Uint8Array(4));
    deepEqual(Array.from(got.value), [1, 2]);
    const all = [];
    for await (const chunk of b) all.push(...chunk);
    deepEqual(all, [1, 2, 3]);
  },
};

export const bodiesAreByteStreams = {
  async test() {
    const res = new Response("hello world");
    const reader = res.body.getReader({ mode: "byob" });
    const r = await reader.read(new Uint8Array(5));
    equal(new TextDecoder().decode(r.value), "hello");
    const req = new Request("http://example.com/", { method: "POST", body: "abc" });
    const chunks = [];
    for await (const chunk of req.body) chunks.push(chunk);
    equal(new TextDecoder().decode(chunks[0]), "abc");
  },
};
