import { ok, equal, deepEqual, throws, rejects } from "assert.js";

export const cloneValues = {
  test() {
    const date = new Date(5);
    const src = { a: [1, { b: "c" }], d: date, m: new Map([[1, 2]]), s: new Set([3]), r: /x/g, u: new Uint8Array([1, 2]) };
    src.self = src;
    const copy = structuredClone(src);
    ok(copy !== src);
    equal(copy.self, copy);
    deepEqual(copy.a, [1, { b: "c" }]);
    ok(copy.d instanceof Date);
    equal(copy.d.getTime(), 5);
    equal(copy.m.get(1), 2);
    ok(copy.s.has(3));
    equal(copy.r.source, "x");
    deepEqual(Array.from(copy.u), [1, 2]);
    equal(structuredClone(undefined), undefined);
    throws(() => structuredClone(), TypeError);
  },
};

export const cloneErrors = {
  test() {
    const err = throws(() => structuredClone(() => 1), "DataCloneError");
    ok(err instanceof DOMException);
    equal(err.code, 25);
    throws(() => structuredClone({ f() {} }), "DataCloneError");
    throws(() => structuredClone(Symbol("s")), "DataCloneError");
    const boom = new Error("getter");
    const thrown = throws(() => structuredClone({ get x() { throw boom; } }));
    equal(thrown, boom);
  },
};

export const transfer = {
  test() {
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    const copy = structuredClone({ buffer }, { transfer: [buffer] });
    equal(buffer.byteLength, 0);
    equal(copy.buffer.byteLength, 3);
    deepEqual(Array.from(new Uint8Array(copy.buffer)), [1, 2, 3]);
    const b2 = new ArrayBuffer(1);
    throws(() => structuredClone(1, { transfer: [{}] }));
    throws(() => structuredClone(1, { transfer: 5 }), TypeError);
  },
};

export const performanceAndScheduler = {
  async test() {
    equal(performance.timeOrigin, 0);
    equal(typeof performance.now(), "number");
    ok(Math.abs(performance.now() - Date.now()) < 1000);
    equal(navigator.hardwareConcurrency, 1);
    equal(await scheduler.wait(5), undefined);
    const controller = new AbortController();
    const waiting = scheduler.wait(10000, { signal: controller.signal });
    controller.abort(new Error("stop"));
    let caught;
    try { await waiting; } catch (e) { caught = e; }
    equal(caught.message, "stop");
  },
};
