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

// Resolves to "pending" if `p` has not settled after a few turns of the event loop.
function settledSoon(p) {
  return Promise.race([p, new Promise((resolve) => setTimeout(() => resolve("pending"), 50))]);
}

export const byobReadPendingWhenWritableCloses = {
  async test() {
    const ts = new IdentityTransformStream();
    const reader = ts.readable.getReader({ mode: "byob" });
    const buffer = new ArrayBuffer(8);
    const read = reader.read(new Uint8Array(buffer, 2, 4));
    await ts.writable.getWriter().close();
    const r = await settledSoon(read);
    ok(r !== "pending", "the pending BYOB read settles when the writable side closes");
    equal(r.done, true);
    ok(r.value instanceof Uint8Array);
    equal(r.value.byteLength, 0);
    equal(r.value.buffer.byteLength, 8, "the empty view is over the reader's own buffer");
    equal(buffer.byteLength, 0, "the reader's buffer was transferred");

    const fixed = new FixedLengthStream(3);
    const fr = fixed.readable.getReader({ mode: "byob" });
    const writer = fixed.writable.getWriter();
    writer.write(new Uint8Array([1, 2, 3]));
    deepEqual(Array.from((await fr.read(new Uint8Array(8))).value), [1, 2, 3]);
    const last = fr.read(new Uint16Array(4));
    await writer.close();
    const end = await settledSoon(last);
    ok(end !== "pending", "FixedLengthStream's last BYOB read settles at close");
    equal(end.done, true);
    equal(end.value.byteLength, 0);

    const gz = new CompressionStream("gzip");
    const gr = gz.readable.getReader({ mode: "byob" });
    gz.writable.getWriter().close();
    let total = 0;
    for (;;) {
      const step = await settledSoon(gr.read(new Uint8Array(1024)));
      ok(step !== "pending", "a compression stream's BYOB reads all settle");
      if (step.done) { equal(step.value.byteLength, 0); break; }
      total += step.value.byteLength;
    }
    ok(total > 0);
  },
};

export const byteSourceCloseAnswersPendingRead = {
  async test() {
    // The source closes without responding: the read still settles, as in workerd.
    let ctl;
    const rs = new ReadableStream({ type: "bytes", start(c) { ctl = c; } });
    const reader = rs.getReader({ mode: "byob" });
    const read = reader.read(new Uint8Array(8));
    await null;
    const request = ctl.byobRequest;
    equal(request.view.byteLength, 8);
    ctl.close();
    const r = await settledSoon(read);
    ok(r !== "pending");
    equal(r.done, true);
    equal(r.value.byteLength, 0);
    request.respond(0); // the spec's close-then-respond(0) sequence stays valid
    throws(() => request.respond(1), TypeError);

    // Bytes already written into the view are delivered with done.
    let c2;
    const partial = new ReadableStream({ type: "bytes", start(c) { c2 = c; } });
    const pr = partial.getReader({ mode: "byob" });
    const pending = pr.read(new Uint8Array(8), { min: 4 });
    await null;
    c2.byobRequest.view.set([5, 6]);
    c2.byobRequest.respond(2);
    c2.close();
    const got = await settledSoon(pending);
    ok(got !== "pending");
    deepEqual(Array.from(got.value), [5, 6]);

    // Closing in the middle of an element errors the stream.
    let c3;
    const odd = new ReadableStream({ type: "bytes", start(c) { c3 = c; } });
    const or = odd.getReader({ mode: "byob" });
    or.read(new Uint16Array(2)).catch(() => {});
    await null;
    c3.byobRequest.respond(1);
    throws(() => c3.close(), TypeError);
  },
};

export const byobRespondWithNewView = {
  async test() {
    let ctl;
    const rs = new ReadableStream({ type: "bytes", start(c) { ctl = c; } });
    const reader = rs.getReader({ mode: "byob" });
    const read = reader.read(new Uint8Array(8));
    await null;
    const v = ctl.byobRequest.view;
    throws(() => ctl.byobRequest.respondWithNewView(new Uint8Array(v.buffer, 1, 3)), RangeError);
    throws(() => ctl.byobRequest.respondWithNewView(new Uint8Array(9)), RangeError);
    throws(() => ctl.byobRequest.respondWithNewView(new Uint8Array(v.buffer, 0, 0)), TypeError);
    const nv = new Uint8Array(v.buffer, v.byteOffset, 3);
    nv.set([9, 8, 7]);
    ctl.byobRequest.respondWithNewView(nv);
    const r = await read;
    deepEqual(Array.from(r.value), [9, 8, 7]);
    equal(r.value.buffer.byteLength, 8);
  },
};

export const byteEnqueueAndCancelWithPendingRead = {
  async test() {
    let ctl, reason;
    const rs = new ReadableStream({ type: "bytes", start(c) { ctl = c; }, cancel(r) { reason = r; } });
    const reader = rs.getReader({ mode: "byob" });
    const first = reader.read(new Uint8Array(4));
    await null;
    const request = ctl.byobRequest;
    ctl.enqueue(new Uint8Array([1, 2, 3, 4, 5, 6]));
    equal(request.view, null, "enqueue invalidates the byobRequest");
    deepEqual(Array.from((await first).value), [1, 2, 3, 4]);
    deepEqual(Array.from((await reader.read(new Uint8Array(4))).value), [5, 6]);

    const pending = reader.read(new Uint8Array(4));
    await null;
    const held = ctl.byobRequest;
    await reader.cancel("why");
    const r = await settledSoon(pending);
    equal(r.done, true);
    equal(reason, "why");
    equal(ctl.byobRequest, null);
    equal(held.view, null);
    throws(() => ctl.enqueue(new Uint8Array([1])), TypeError);
  },
};
