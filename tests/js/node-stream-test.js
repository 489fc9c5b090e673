// node:stream, node:stream/promises, node:stream/web and node:stream/consumers: buffering,
// backpressure, event order, destroy semantics, pipeline/finished and the web stream adapters.
import assert from "node:assert";
import { Buffer } from "node:buffer";
import stream, {
  Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished, addAbortSignal,
} from "node:stream";
import * as streamPromises from "node:stream/promises";
import * as streamWeb from "node:stream/web";
import * as consumers from "node:stream/consumers";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function collector(opts = {}) {
  const chunks = [];
  const w = new Writable({
    ...opts,
    write(chunk, enc, cb) { chunks.push(chunk); cb(); },
  });
  w.chunks = chunks;
  return w;
}

export const readableBasics = {
  async test() {
    const events = [];
    const r = new Readable({ read() {} });
    r.on("data", (c) => events.push(`data:${c}`));
    r.on("end", () => events.push("end"));
    r.on("close", () => events.push("close"));
    r.push("a");
    r.push(Buffer.from("b"));
    r.push(new Uint8Array([0x63]));
    r.push(null);
    await tick();
    assert.deepStrictEqual(events, ["data:a", "data:b", "data:c", "end", "close"]);
    assert.strictEqual(r.readableEnded, true);
    assert.strictEqual(r.destroyed, true);
    assert.strictEqual(r.readable, false);

    // Non-flowing: read(n) takes exactly n bytes; read() takes all.
    const p = new Readable({ read() {} });
    p.push("hello ");
    p.push("world");
    assert.strictEqual(p.readableLength, 11);
    assert.strictEqual(p.read(3).toString(), "hel");
    assert.strictEqual(p.read(5).toString(), "lo wo");
    assert.strictEqual(p.read(10), null); // not enough yet and not ended
    p.push(null);
    assert.strictEqual(p.read().toString(), "rld");

    // push() returns false at the high water mark
    const h = new Readable({ highWaterMark: 4, read() {} });
    assert.strictEqual(h.push("ab"), true);
    assert.strictEqual(h.push("cd"), false);
    assert.strictEqual(h.readableHighWaterMark, 4);

    // setEncoding decodes multi-byte characters split across chunks
    const e = new Readable({ read() {} });
    e.setEncoding("utf8");
    const euro = Buffer.from("€");
    e.push(euro.subarray(0, 1));
    e.push(euro.subarray(1));
    e.push(null);
    let text = "";
    for await (const chunk of e) {
      assert.strictEqual(typeof chunk, "string");
      text += chunk;
    }
    assert.strictEqual(text, "€");
    assert.strictEqual(e.readableEncoding, "utf8");
  },
};

export const readableReadableEvent = {
  async test() {
    let calls = 0;
    const r = new Readable({
      read() {
        calls++;
        if (calls <= 3) this.push(`c${calls}`);
        else this.push(null);
      },
    });
    const got = [];
    const events = [];
    r.on("readable", () => {
      events.push("readable");
      let chunk;
      while ((chunk = r.read()) !== null) got.push(chunk.toString());
    });
    await new Promise((resolve) => r.on("end", resolve));
    assert.deepStrictEqual(got.join(""), "c1c2c3");
    assert.ok(events.length >= 1);
    assert.strictEqual(r.readableFlowing, false);
  },
};

export const objectMode = {
  async test() {
    const r = new Readable({ objectMode: true, read() {} });
    r.push({ a: 1 });
    r.push(2);
    r.push("three");
    r.push(null);
    assert.strictEqual(r.readableLength, 3);
    assert.strictEqual(r.readableObjectMode, true);
    const out = [];
    for await (const v of r) out.push(v);
    assert.deepStrictEqual(out, [{ a: 1 }, 2, "three"]);

    const w = collector({ objectMode: true, highWaterMark: 2 });
    assert.strictEqual(w.write({ x: 1 }), true);
    assert.strictEqual(w.writableObjectMode, true);
    // non-object-mode streams reject objects
    const bytes = new Readable({ read() {} });
    bytes.on("error", () => {});
    assert.throws(() => {
      const ww = new Writable({ write(c, e, cb) { cb(); } });
      ww.write({});
    }, { code: "ERR_INVALID_ARG_TYPE" });
    assert.throws(() => new Writable({ objectMode: true, write(c, e, cb) { cb(); } }).write(null),
      { code: "ERR_STREAM_NULL_VALUES" });
  },
};

export const writableBackpressure = {
  async test() {
    const events = [];
    const pending = [];
    const w = new Writable({
      highWaterMark: 3,
      write(chunk, enc, cb) {
        events.push(`write:${chunk}`);
        pending.push(cb);
      },
    });
    w.on("drain", () => events.push("drain"));
    w.on("finish", () => events.push("finish"));
    w.on("close", () => events.push("close"));
    assert.strictEqual(w.write("ab"), true);
    assert.strictEqual(w.write("cd"), false); // 4 bytes buffered >= 3
    assert.strictEqual(w.writableLength, 4);
    assert.strictEqual(w.writableNeedDrain, true);
    assert.deepStrictEqual(events, ["write:ab"]); // one write at a time
    pending.shift()();
    assert.deepStrictEqual(events, ["write:ab", "write:cd"]);
    pending.shift()();
    await tick();
    assert.deepStrictEqual(events, ["write:ab", "write:cd", "drain"]);
    let endCalled = false;
    w.end("z", () => { endCalled = true; });
    pending.shift()();
    await tick();
    assert.deepStrictEqual(events, ["write:ab", "write:cd", "drain", "write:z", "finish", "close"]);
    assert.ok(endCalled);
    assert.strictEqual(w.writableFinished, true);
    assert.strictEqual(w.writableEnded, true);
  },
};

export const writableCorkWritevFinal = {
  async test() {
    const batches = [];
    let finalCalled = false;
    const w = new Writable({
      writev(chunks, cb) { batches.push(chunks.map((c) => c.chunk.toString())); cb(); },
      final(cb) { finalCalled = true; cb(); },
    });
    w.cork();
    w.write("a");
    w.write("b");
    w.write("c");
    assert.strictEqual(w.writableCorked, 1);
    w.uncork();
    await new Promise((resolve) => w.end(resolve));
    assert.deepStrictEqual(batches, [["a", "b", "c"]]);
    assert.ok(finalCalled);

    // decodeStrings: false keeps strings and their encoding
    const seen = [];
    const s = new Writable({ decodeStrings: false, write(c, enc, cb) { seen.push([c, enc]); cb(); } });
    s.write("hi", "latin1");
    assert.deepStrictEqual(seen, [["hi", "latin1"]]);
    assert.throws(() => s.write("x", "nope"), { code: "ERR_UNKNOWN_ENCODING" });
  },
};

export const writeAfterEnd = {
  async test() {
    const w = collector();
    w.end("done");
    const errors = [];
    w.on("error", (e) => errors.push(e.code));
    let cbErr;
    w.write("more", (e) => { cbErr = e; });
    await tick();
    assert.strictEqual(cbErr.code, "ERR_STREAM_WRITE_AFTER_END");
    assert.deepStrictEqual(errors, ["ERR_STREAM_WRITE_AFTER_END"]);
  },
};

export const destroySemantics = {
  async test() {
    const events = [];
    let destroyArg = "unset";
    const r = new Readable({
      read() {},
      destroy(err, cb) { destroyArg = err; cb(err); },
    });
    r.on("error", (e) => events.push(`error:${e.message}`));
    r.on("close", () => events.push("close"));
    r.destroy(new Error("boom"));
    assert.strictEqual(r.destroyed, true);
    assert.strictEqual(r.errored.message, "boom");
    assert.strictEqual(destroyArg.message, "boom");
    assert.deepStrictEqual(events, []); // emitted on a later tick
    await tick();
    assert.deepStrictEqual(events, ["error:boom", "close"]);
    r.destroy(new Error("second")); // no-op once destroyed
    await tick();
    assert.deepStrictEqual(events, ["error:boom", "close"]);
    assert.strictEqual(r.push("x"), false);

    // destroy() without an error: only 'close'; emitClose: false silences it
    const w = collector();
    const wEvents = [];
    w.on("close", () => wEvents.push("close"));
    w.on("finish", () => wEvents.push("finish"));
    w.destroy();
    await tick();
    assert.deepStrictEqual(wEvents, ["close"]);
    let writeErr;
    w.write("x", (e) => { writeErr = e; });
    w.on("error", () => {});
    await tick();
    assert.strictEqual(writeErr.code, "ERR_STREAM_DESTROYED");

    const quiet = new Readable({ read() {}, emitClose: false });
    let closed = false;
    quiet.on("close", () => { closed = true; });
    quiet.destroy();
    await tick();
    assert.strictEqual(closed, false);

    // autoDestroy: false keeps the stream alive after 'end'
    const keep = new Readable({ autoDestroy: false, read() { this.push(null); } });
    keep.resume();
    await new Promise((resolve) => keep.on("end", resolve));
    await tick();
    assert.strictEqual(keep.destroyed, false);

    // errors thrown from _read destroy the stream
    const thrower = new Readable({ read() { throw new Error("read failed"); } });
    const e = await new Promise((resolve) => { thrower.on("error", resolve); thrower.resume(); });
    assert.strictEqual(e.message, "read failed");

    // _read is required
    const bare = new Readable();
    const e2 = await new Promise((resolve) => { bare.on("error", resolve); bare.read(); });
    assert.strictEqual(e2.code, "ERR_METHOD_NOT_IMPLEMENTED");
  },
};

export const pushAfterEof = {
  async test() {
    const r = new Readable({ read() {} });
    r.push(null);
    const e = await new Promise((resolve) => { r.on("error", resolve); r.push("late"); });
    assert.strictEqual(e.code, "ERR_STREAM_PUSH_AFTER_EOF");
  },
};

export const construct = {
  async test() {
    const order = [];
    const w = new Writable({
      construct(cb) { order.push("construct"); setTimeout(() => { order.push("constructed"); cb(); }, 1); },
      write(chunk, enc, cb) { order.push(`write:${chunk}`); cb(); },
    });
    w.write("a");
    order.push("after write()");
    await new Promise((resolve) => w.end(resolve));
    assert.deepStrictEqual(order, ["after write()", "construct", "constructed", "write:a"]);
  },
};

export const pauseResumeAndPipe = {
  async test() {
    const r = new Readable({ read() {} });
    assert.strictEqual(r.readableFlowing, null);
    assert.strictEqual(r.isPaused(), false);
    r.pause();
    assert.strictEqual(r.isPaused(), true);
    assert.strictEqual(r.readableFlowing, false);
    const got = [];
    r.on("data", (c) => got.push(c.toString())); // stays paused after explicit pause()
    r.push("x");
    await tick();
    assert.deepStrictEqual(got, []);
    r.resume();
    await tick();
    assert.deepStrictEqual(got, ["x"]);

    // pipe with backpressure: a slow writable with hwm 1 still receives everything in order
    let n = 0;
    const src = new Readable({ highWaterMark: 2, read() { n++; this.push(n <= 20 ? `${n},` : null); } });
    const received = [];
    const dst = new Writable({
      highWaterMark: 1,
      write(chunk, enc, cb) { received.push(chunk.toString()); setTimeout(cb, 0); },
    });
    const events = [];
    dst.on("pipe", (s) => events.push(s === src ? "pipe" : "pipe?"));
    dst.on("unpipe", () => events.push("unpipe"));
    assert.strictEqual(src.pipe(dst), dst);
    await new Promise((resolve) => dst.on("finish", resolve));
    assert.strictEqual(received.join(""), Array.from({ length: 20 }, (_, i) => `${i + 1},`).join(""));
    assert.deepStrictEqual(events, ["pipe", "unpipe"]);

    // unpipe stops the flow
    const a = new PassThrough();
    const b = collector();
    a.pipe(b);
    a.write("1");
    await tick();
    a.unpipe(b);
    a.write("2");
    await tick();
    assert.deepStrictEqual(b.chunks.map(String), ["1"]);
    assert.strictEqual(a.isPaused(), true);
  },
};

export const duplexAndTransform = {
  async test() {
    const written = [];
    const d = new Duplex({
      read() { this.push("from-read"); this.push(null); },
      write(chunk, enc, cb) { written.push(chunk.toString()); cb(); },
    });
    assert.ok(d instanceof Readable);
    assert.ok(d instanceof Writable);
    assert.ok(!(new Readable() instanceof Writable));
    d.end("to-write");
    const read = await consumers.text(d);
    assert.strictEqual(read, "from-read");
    assert.deepStrictEqual(written, ["to-write"]);

    const upper = new Transform({
      transform(chunk, enc, cb) { cb(null, chunk.toString().toUpperCase()); },
      flush(cb) { this.push("!"); cb(); },
    });
    const events = [];
    upper.on("finish", () => events.push("finish"));
    upper.on("end", () => events.push("end"));
    upper.write("abc");
    upper.end("def");
    assert.strictEqual(await consumers.text(upper), "ABCDEF!");
    await tick();
    assert.deepStrictEqual(events, ["finish", "end"]);

    // a transform error reaches 'error'
    const bad = new Transform({ transform(c, e, cb) { cb(new Error("nope")); } });
    const e = await new Promise((resolve) => { bad.on("error", resolve); bad.write("x"); });
    assert.strictEqual(e.message, "nope");

    // objectMode transforms and subclassing with function-style inheritance
    function Doubler(opts) { Transform.call(this, { ...opts, objectMode: true }); }
    Object.setPrototypeOf(Doubler.prototype, Transform.prototype);
    Doubler.prototype._transform = function(n, enc, cb) { this.push(n * 2); cb(); };
    const dbl = new Doubler();
    dbl.end(21);
    assert.deepStrictEqual(await dbl.toArray(), [42]);

    // allowHalfOpen: false ends the writable side when the readable side ends
    const half = new Duplex({ allowHalfOpen: false, read() { this.push(null); }, write(c, e, cb) { cb(); } });
    half.resume();
    await new Promise((resolve) => half.on("finish", resolve));
    assert.strictEqual(half.writableEnded, true);

    const pt = new PassThrough();
    pt.end(Buffer.from([1, 2, 3]));
    assert.deepStrictEqual([...(await consumers.buffer(pt))], [1, 2, 3]);
  },
};

export const asyncIteration = {
  async test() {
    const r = Readable.from(["a", "b", "c"]);
    const out = [];
    for await (const v of r) out.push(v);
    assert.deepStrictEqual(out, ["a", "b", "c"]);

    // breaking out destroys the stream
    const r2 = Readable.from([1, 2, 3, 4]);
    for await (const v of r2) { if (v === 2) break; }
    assert.strictEqual(r2.destroyed, true);

    // destroyOnReturn: false leaves it usable
    const r3 = Readable.from([1, 2, 3]);
    for await (const v of r3.iterator({ destroyOnReturn: false })) { if (v === 1) break; }
    assert.strictEqual(r3.destroyed, false);
    assert.deepStrictEqual(await r3.toArray(), [2, 3]);

    // an error is thrown from the loop
    const r4 = new Readable({ read() { this.destroy(new Error("iter fail")); } });
    await assert.rejects(async () => { for await (const x of r4) void x; }, { message: "iter fail" });

    // Readable.from with async generators, strings and Buffers
    async function* gen() { yield "x"; yield "y"; }
    assert.deepStrictEqual(await Readable.from(gen()).toArray(), ["x", "y"]);
    assert.deepStrictEqual(await Readable.from("whole string").toArray(), ["whole string"]);
    assert.throws(() => Readable.from(42), { code: "ERR_INVALID_ARG_TYPE" });
    const nulls = Readable.from([1, null]);
    await assert.rejects(nulls.toArray(), { code: "ERR_STREAM_NULL_VALUES" });

    // operators
    const mapped = await Readable.from([1, 2, 3, 4]).map((x) => x * 10).filter((x) => x > 10).toArray();
    assert.deepStrictEqual(mapped, [20, 30, 40]);
    assert.strictEqual(await Readable.from([1, 2, 3]).reduce((a, b) => a + b, 0), 6);
  },
};

export const finishedTest = {
  async test() {
    const w = collector();
    const done = new Promise((resolve) => finished(w, resolve));
    w.end("x");
    assert.strictEqual(await done, undefined);

    const r = new Readable({ read() {} });
    const failed = new Promise((resolve) => finished(r, resolve));
    r.destroy(new Error("broken"));
    assert.strictEqual((await failed).message, "broken");

    // closing before the end is a premature close
    const p = new Readable({ read() {} });
    const premature = new Promise((resolve) => finished(p, resolve));
    p.destroy();
    assert.strictEqual((await premature).code, "ERR_STREAM_PREMATURE_CLOSE");

    // already finished streams report on the next tick; cleanup removes the listeners
    const ended = Readable.from([]);
    ended.resume();
    await new Promise((resolve) => ended.on("close", resolve));
    assert.strictEqual(await new Promise((resolve) => finished(ended, resolve)), undefined);
    const fresh = new PassThrough();
    const before = fresh.listenerCount("end");
    const cleanup = finished(fresh, () => {});
    assert.ok(fresh.listenerCount("end") > before);
    cleanup();
    assert.strictEqual(fresh.listenerCount("end"), before);

    assert.throws(() => finished({}, () => {}), { code: "ERR_INVALID_ARG_TYPE" });

    await streamPromises.finished(Readable.from(["a"]).resume());
    const bad = new PassThrough();
    const rejected = assert.rejects(streamPromises.finished(bad), { message: "bad" });
    bad.destroy(new Error("bad"));
    await rejected;
  },
};

export const pipelineTest = {
  async test() {
    // stream -> transform -> writable, callback form
    const sink = collector();
    await new Promise((resolve, reject) => {
      pipeline(
        Readable.from(["a", "b", "c"], { objectMode: false }),
        new Transform({ transform(c, e, cb) { cb(null, c.toString().toUpperCase()); } }),
        sink,
        (err) => (err ? reject(err) : resolve()),
      );
    });
    assert.strictEqual(sink.chunks.map(String).join(""), "ABC");

    // an error anywhere destroys every stream and reaches the callback once
    const src = new Readable({ read() {} });
    const mid = new PassThrough();
    const dst = collector();
    const errs = [];
    const result = pipeline(src, mid, dst, (err) => errs.push(err));
    assert.strictEqual(result, dst);
    mid.destroy(new Error("middle broke"));
    await tick();
    await tick();
    assert.strictEqual(errs.length, 1);
    assert.strictEqual(errs[0].message, "middle broke");
    assert.ok(src.destroyed && dst.destroyed);

    // async generators as source, transform and destination with stream/promises
    let total = "";
    await streamPromises.pipeline(
      async function*() { yield "x"; yield "y"; },
      async function*(source) { for await (const c of source) yield `${c}${c}`; },
      async function(source) { for await (const c of source) total += c; },
    );
    assert.strictEqual(total, "xxyy");

    // the value of a final async function resolves the promise
    const value = await streamPromises.pipeline(Readable.from([1, 2, 3]), async (source) => {
      let sum = 0;
      for await (const n of source) sum += n;
      return sum;
    });
    assert.strictEqual(value, 6);

    // an AbortSignal aborts the pipeline
    const ac = new AbortController();
    const never = new Readable({ read() {} });
    const aborted = assert.rejects(streamPromises.pipeline(never, collector(), { signal: ac.signal }),
      { name: "AbortError" });
    ac.abort();
    await aborted;
    assert.ok(never.destroyed);

    assert.throws(() => pipeline(Readable.from([]), () => {}), { code: "ERR_MISSING_ARGS" });
    assert.throws(() => pipeline(Readable.from([]), collector()), { code: "ERR_INVALID_ARG_TYPE" });
  },
};

export const abortSignal = {
  async test() {
    const ac = new AbortController();
    const r = addAbortSignal(ac.signal, new Readable({ read() {} }));
    const e = new Promise((resolve) => r.on("error", resolve));
    ac.abort();
    assert.strictEqual((await e).name, "AbortError");
    assert.strictEqual(r.destroyed, true);

    const ac2 = new AbortController();
    const w = new Writable({ signal: ac2.signal, write(c, enc, cb) { cb(); } });
    const e2 = new Promise((resolve) => w.on("error", resolve));
    ac2.abort();
    assert.strictEqual((await e2).name, "AbortError");
    assert.throws(() => addAbortSignal({}, new Readable()), { code: "ERR_INVALID_ARG_TYPE" });
  },
};

export const webAdapters = {
  async test() {
    // Readable.toWeb
    const web = Readable.toWeb(Readable.from([Buffer.from("ab"), Buffer.from("cd")], { objectMode: false }));
    assert.ok(web instanceof ReadableStream);
    const text = await new Response(web).text();
    assert.strictEqual(text, "abcd");

    // Readable.fromWeb
    const rs = new ReadableStream({
      start(c) { c.enqueue(new TextEncoder().encode("we")); c.enqueue(new TextEncoder().encode("b")); c.close(); },
    });
    const fromWeb = Readable.fromWeb(rs);
    assert.strictEqual(await consumers.text(fromWeb), "web");
    const objs = Readable.fromWeb(new ReadableStream({ start(c) { c.enqueue({ k: 1 }); c.close(); } }), { objectMode: true });
    assert.deepStrictEqual(await objs.toArray(), [{ k: 1 }]);

    // Writable.toWeb and Writable.fromWeb
    const sink = collector();
    const ws = Writable.toWeb(sink);
    const writer = ws.getWriter();
    await writer.write(new Uint8Array([104, 105]));
    await writer.close();
    assert.strictEqual(Buffer.concat(sink.chunks).toString(), "hi");

    const got = [];
    const target = new WritableStream({ write(chunk) { got.push(new TextDecoder().decode(chunk)); } });
    const w = Writable.fromWeb(target);
    w.write("one");
    await new Promise((resolve, reject) => w.end("two", (e) => (e ? reject(e) : resolve())));
    assert.deepStrictEqual(got, ["one", "two"]);

    // Duplex.from a { readable, writable } pair of web streams and a promise
    const ts = new TransformStream();
    const dup = Duplex.fromWeb(ts);
    dup.end("through");
    assert.strictEqual(await consumers.text(dup), "through");
    const fromPromise = Duplex.from(Promise.resolve("later"));
    assert.deepStrictEqual(await fromPromise.toArray(), ["later"]);

    // pipeline accepts web streams
    const collected = [];
    await streamPromises.pipeline(
      new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1])); c.enqueue(new Uint8Array([2])); c.close(); } }),
      new WritableStream({ write(chunk) { collected.push(...chunk); } }),
    );
    assert.deepStrictEqual(collected, [1, 2]);
  },
};

export const modules = {
  async test() {
    assert.strictEqual(stream.Readable, Readable);
    assert.strictEqual(typeof stream, "function");
    assert.ok(new stream() instanceof stream);
    assert.strictEqual(stream.promises.pipeline, streamPromises.pipeline);
    assert.strictEqual(streamWeb.ReadableStream, ReadableStream);
    assert.strictEqual(streamWeb.WritableStream, WritableStream);
    assert.strictEqual(streamWeb.TransformStream, TransformStream);
    assert.strictEqual(streamWeb.TextEncoderStream, TextEncoderStream);
    assert.strictEqual(streamWeb.CountQueuingStrategy, CountQueuingStrategy);
    assert.strictEqual(await consumers.json(Readable.from(['{"a":', "[1]}"])).then((v) => v.a[0]), 1);
    const ab = await consumers.arrayBuffer(Readable.from([Buffer.from("xyz")]));
    assert.ok(ab instanceof ArrayBuffer);
    assert.strictEqual(ab.byteLength, 3);
    const blob = await consumers.blob(Readable.from([Buffer.from("blob")]));
    assert.strictEqual(await blob.text(), "blob");
    assert.strictEqual(stream.isDisturbed(Readable.from(["x"])), false);
    const used = Readable.from(["x"]);
    await used.toArray();
    assert.strictEqual(stream.isDisturbed(used), true);
  },
};
