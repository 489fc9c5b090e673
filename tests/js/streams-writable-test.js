import { ok, equal, deepEqual, throws, rejects } from "assert.js";

const tick = () => new Promise((r) => setTimeout(r, 0));

function recordingSink(log, extra = {}) {
  return {
    write(chunk) { log.push(["write", chunk]); },
    close() { log.push(["close"]); },
    abort(reason) { log.push(["abort", reason]); },
    ...extra,
  };
}

export const writerBasics = {
  async test() {
    const log = [];
    const ws = new WritableStream(recordingSink(log));
    equal(ws.locked, false);
    const writer = ws.getWriter();
    equal(ws.locked, true);
    throws(() => ws.getWriter(), TypeError);
    await rejects(ws.close(), TypeError);
    await rejects(ws.abort(), TypeError);
    equal(writer.desiredSize, 1);
    await writer.write("a");
    await writer.write("b");
    await writer.close();
    await writer.closed;
    deepEqual(log, [["write", "a"], ["write", "b"], ["close"]]);
    await rejects(writer.write("c"), TypeError);
    writer.releaseLock();
    equal(ws.locked, false);
    throws(() => writer.desiredSize, TypeError);
  },
};

export const backpressure = {
  async test() {
    const pending = [];
    const ws = new WritableStream({
      write() { return new Promise((resolve) => pending.push(resolve)); },
    }, new CountQueuingStrategy({ highWaterMark: 2 }));
    const writer = ws.getWriter();
    await tick();
    equal(writer.desiredSize, 2);
    const w1 = writer.write(1);
    const w2 = writer.write(2);
    equal(writer.desiredSize, 0);
    let ready = false;
    writer.ready.then(() => { ready = true; });
    await tick();
    equal(ready, false);
    equal(pending.length, 1);
    pending.shift()();
    await w1;
    await tick();
    equal(ready, true);
    equal(writer.desiredSize, 1);
    pending.shift()();
    await w2;
    equal(writer.desiredSize, 2);
  },
};

export const sizeStrategy = {
  async test() {
    const ws = new WritableStream({ write() { return new Promise(() => {}); } }, { highWaterMark: 10, size: (c) => c.length });
    const writer = ws.getWriter();
    await new Promise((r) => setTimeout(r, 1));
    writer.write("abcd");
    writer.write("ef");
    equal(writer.desiredSize, 4);
    throws(() => new WritableStream({}, { highWaterMark: -1 }));
    throws(() => new WritableStream({ write: 5 }), TypeError);
    const bad = new WritableStream({}, { size: () => -1 });
    await rejects(bad.getWriter().write("x"));
  },
};

export const abortAndErrors = {
  async test() {
    const log = [];
    let controller;
    const ws = new WritableStream({ ...recordingSink(log), start(c) { controller = c; } });
    equal(controller.signal.aborted, false);
    const writer = ws.getWriter();
    await writer.write("x");
    const reason = new Error("stop");
    await writer.abort(reason);
    equal(controller.signal.aborted, true);
    equal(controller.signal.reason, reason);
    deepEqual(log, [["write", "x"], ["abort", reason]]);
    await rejects(writer.closed, Error);
    await rejects(writer.write("y"), Error);

    const boom = new Error("boom");
    const failing = new WritableStream({ write() { throw boom; } });
    const w2 = failing.getWriter();
    let caught;
    try { await w2.write(1); } catch (e) { caught = e; }
    equal(caught, boom);
    try { await w2.closed; } catch (e) { caught = e; }
    equal(caught, boom);

    const errored = new WritableStream({ start(c) { c.error(boom); } });
    await tick();
    const w3 = errored.getWriter();
    await rejects(w3.ready, Error);
    equal(w3.desiredSize, null);
  },
};

export const transformBasics = {
  async test() {
    const upper = new TransformStream({
      transform(chunk, controller) { controller.enqueue(chunk.toUpperCase()); },
      flush(controller) { controller.enqueue("!"); },
    });
    const writer = upper.writable.getWriter();
    writer.write("a");
    writer.write("b");
    writer.close();
    const out = [];
    for await (const chunk of upper.readable) out.push(chunk);
    deepEqual(out, ["A", "B", "!"]);

    const identity = new TransformStream();
    const w = identity.writable.getWriter();
    w.write(1);
    w.close();
    const r = identity.readable.getReader();
    deepEqual(await r.read(), { value: 1, done: false });
    equal((await r.read()).done, true);

    throws(() => new TransformStream({ readableType: "bytes" }));
    throws(() => new TransformStream({ transform: 1 }), TypeError);
  },
};

export const transformErrorsAndTerminate = {
  async test() {
    const boom = new Error("boom");
    const ts = new TransformStream({ transform() { throw boom; } });
    const writer = ts.writable.getWriter();
    const reader = ts.readable.getReader();
    const read = reader.read();
    let caught;
    try { await writer.write("x"); } catch (e) { caught = e; }
    equal(caught, boom);
    try { await read; } catch (e) { caught = e; }
    equal(caught, boom);
  },
};

export const transformTerminate = {
  async test() {
    const t2 = new TransformStream({ start(c) { c.enqueue("only"); c.terminate(); } });
    const r2 = t2.readable.getReader();
    deepEqual(await r2.read(), { value: "only", done: false });
    equal((await r2.read()).done, true);
    await rejects(t2.writable.getWriter().write("late"), TypeError);
  },
};

export const transformCancel = {
  async test() {
    let cancelReason;
    const t3 = new TransformStream({ cancel(r) { cancelReason = r; } });
    await t3.readable.cancel("enough");
    equal(cancelReason, "enough");
  },
};

export const pipeToBasics = {
  async test() {
    const log = [];
    const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } });
    await rs.pipeTo(new WritableStream(recordingSink(log)));
    deepEqual(log, [["write", 1], ["write", 2], ["close"]]);
    equal(rs.locked, false);

    const log2 = [];
    const rs2 = new ReadableStream({ start(c) { c.enqueue(1); c.close(); } });
    const ws2 = new WritableStream(recordingSink(log2));
    await rs2.pipeTo(ws2, { preventClose: true });
    deepEqual(log2, [["write", 1]]);
    const w = ws2.getWriter();
    await w.write(2);
    deepEqual(log2, [["write", 1], ["write", 2]]);

    await rejects(rs2.pipeTo({}), TypeError);
    const locked = new ReadableStream();
    locked.getReader();
    await rejects(locked.pipeTo(new WritableStream()), TypeError);
  },
};

export const pipeToErrors = {
  async test() {
    const boom = new Error("boom");
    const log = [];
    const rs = new ReadableStream({ start(c) { c.enqueue("a"); setTimeout(() => c.error(boom), 1); } });
    let caught;
    try { await rs.pipeTo(new WritableStream(recordingSink(log))); } catch (e) { caught = e; }
    equal(caught, boom);
    deepEqual(log, [["write", "a"], ["abort", boom]]);

    const log2 = [];
    const rs2 = new ReadableStream({ start(c) { setTimeout(() => c.error(boom), 1); } });
    try { await rs2.pipeTo(new WritableStream(recordingSink(log2)), { preventAbort: true }); } catch (e) { caught = e; }
    equal(caught, boom);
    deepEqual(log2, []);

    let cancelled;
    const rs3 = new ReadableStream({ pull(c) { c.enqueue("x"); }, cancel(r) { cancelled = r; } });
    try { await rs3.pipeTo(new WritableStream({ write() { throw boom; } })); } catch (e) { caught = e; }
    equal(caught, boom);
    equal(cancelled, boom);

    let cancelled4 = false;
    const rs4 = new ReadableStream({ pull(c) { c.enqueue("x"); }, cancel() { cancelled4 = true; } });
    try { await rs4.pipeTo(new WritableStream({ write() { throw boom; } }), { preventCancel: true }); } catch (e) { caught = e; }
    equal(caught, boom);
    equal(cancelled4, false);
    equal(rs4.locked, false);
  },
};

export const pipeToSignal = {
  async test() {
    const controller = new AbortController();
    const log = [];
    let cancelReason;
    const rs = new ReadableStream({
      pull(c) { return new Promise((r) => setTimeout(() => { if (c.desiredSize !== 0) c.enqueue("tick"); r(); }, 1)); },
      cancel(r) { cancelReason = r; },
    });
    const done = rs.pipeTo(new WritableStream(recordingSink(log)), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    let caught;
    try { await done; } catch (e) { caught = e; }
    equal(caught.name, "AbortError");
    equal(cancelReason, caught);
    equal(log[log.length - 1][0], "abort");

    const already = AbortSignal.abort("why");
    let reason;
    try { await new ReadableStream().pipeTo(new WritableStream(), { signal: already }); } catch (e) { reason = e; }
    equal(reason, "why");
    await rejects(new ReadableStream().pipeTo(new WritableStream(), { signal: {} }), TypeError);
  },
};

export const pipeThrough = {
  async test() {
    const rs = ReadableStream.from(["a", "b", "c"]);
    const out = rs.pipeThrough(new TransformStream({ transform(chunk, c) { c.enqueue(chunk + chunk); } }));
    equal(rs.locked, true);
    throws(() => rs.pipeThrough(new TransformStream()), TypeError);
    const got = [];
    for await (const x of out) got.push(x);
    deepEqual(got, ["aa", "bb", "cc"]);
    equal(rs.locked, false);
    throws(() => new ReadableStream().pipeThrough({ readable: 1, writable: new WritableStream() }), TypeError);
  },
};

export const pipeBackpressure = {
  async test() {
    // A slow sink with a small queue must not make the pipe pull the whole source at once.
    let pulled = 0;
    const rs = new ReadableStream({ pull(c) { pulled++; c.enqueue(pulled); if (pulled === 100) c.close(); } }, { highWaterMark: 0 });
    let open = false;
    const waiters = [];
    const ws = new WritableStream({ write() { if (!open) return new Promise((r) => waiters.push(r)); } }, { highWaterMark: 1 });
    const done = rs.pipeTo(ws);
    await new Promise((r) => setTimeout(r, 10));
    ok(pulled <= 4, `pulled ${pulled} chunks while the sink was blocked`);
    open = true;
    for (const w of waiters) w();
    await done;
    equal(pulled, 100);
  },
};
