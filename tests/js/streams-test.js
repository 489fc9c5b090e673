import { ok, equal, deepEqual, throws, rejects } from "assert.js";

async function collect(stream) {
  const out = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

export const startPullCancel = {
  async test() {
    let pulls = 0;
    const rs = new ReadableStream({
      start(c) { c.enqueue("a"); },
      pull(c) {
        pulls++;
        if (pulls <= 2) c.enqueue(`p${pulls}`);
        else c.close();
      },
    });
    deepEqual(await collect(rs), ["a", "p1", "p2"]);
    let reason;
    const rc = new ReadableStream({ cancel(r) { reason = r; } });
    await rc.cancel("bye");
    equal(reason, "bye");
  },
};

export const readerAndLocking = {
  async test() {
    const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } });
    const reader = rs.getReader();
    equal(rs.locked, true);
    throws(() => rs.getReader(), TypeError);
    await rejects(rs.cancel(), TypeError);
    deepEqual(await reader.read(), { value: 1, done: false });
    reader.releaseLock();
    equal(rs.locked, false);
    await rejects(reader.read(), TypeError);
    const r2 = rs.getReader();
    deepEqual(await r2.read(), { value: 2, done: false });
    const end = await r2.read();
    equal(end.done, true);
    equal(end.value, undefined);
    await r2.closed;
  },
};

export const errors = {
  async test() {
    const boom = new Error("boom");
    const rs = new ReadableStream({ start(c) { c.error(boom); } });
    const reader = rs.getReader();
    equal(await rejects(reader.read()), boom);
    equal(await rejects(reader.closed), boom);
    const rp = new ReadableStream({ pull() { throw boom; } });
    equal(await rejects(rp.getReader().read()), boom);
    const closed = new ReadableStream({ start(c) { c.close(); throws(() => c.enqueue(1), TypeError); } });
    deepEqual(await collect(closed), []);
  },
};

export const strategy = {
  async test() {
    let ctl;
    const rs = new ReadableStream({ start(c) { ctl = c; } }, { highWaterMark: 5, size: (chunk) => chunk.length });
    equal(ctl.desiredSize, 5);
    ctl.enqueue("abc");
    equal(ctl.desiredSize, 2);
    ctl.enqueue("def");
    equal(ctl.desiredSize, -1);
    const reader = rs.getReader();
    await reader.read();
    equal(ctl.desiredSize, 2);
    const s = new CountQueuingStrategy({ highWaterMark: 3 });
    equal(s.highWaterMark, 3);
    equal(s.size(), 1);
    equal(new ByteLengthQueuingStrategy({ highWaterMark: 1 }).size(new Uint8Array(7)), 7);
    throws(() => new ReadableStream({}, { highWaterMark: -1 }));
  },
};

export const tee = {
  async test() {
    const rs = new ReadableStream({ start(c) { c.enqueue("x"); c.enqueue("y"); c.close(); } });
    const [a, b] = rs.tee();
    equal(rs.locked, true);
    deepEqual(await collect(a), ["x", "y"]);
    deepEqual(await collect(b), ["x", "y"]);
  },
};

export const asyncIteration = {
  async test() {
    let cancelled = false;
    const rs = new ReadableStream({
      pull(c) { c.enqueue(1); },
      cancel() { cancelled = true; },
    });
    let n = 0;
    for await (const v of rs) { n += v; if (n === 3) break; }
    equal(n, 3);
    equal(cancelled, true);
    const kept = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } });
    for await (const v of kept.values({ preventCancel: true })) { equal(v, 1); break; }
    equal(kept.locked, false);
    deepEqual(await collect(kept), [2]);
  },
};

export const from = {
  async test() {
    deepEqual(await collect(ReadableStream.from([1, 2, 3])), [1, 2, 3]);
    async function* gen() { yield "a"; yield "b"; }
    deepEqual(await collect(ReadableStream.from(gen())), ["a", "b"]);
    throws(() => ReadableStream.from(5), TypeError);
  },
};
