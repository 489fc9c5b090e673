// node:assert, node:assert/strict and util.isDeepStrictEqual (nodejs_compat).
import assert from "node:assert";
import { strictEqual, deepStrictEqual, AssertionError, throws } from "node:assert";
import strict from "node:assert/strict";
import util from "node:util";

function caught(fn) {
  try { fn(); } catch (err) { return err; }
  throw new Error("expected an exception");
}

export const moduleShape = {
  test() {
    if (typeof assert !== "function") throw new Error("default export is not a function");
    if (assert.strictEqual !== strictEqual || assert.AssertionError !== AssertionError) throw new Error("named exports differ");
    if (typeof assert.strict !== "function" || typeof strict.strict !== "function") throw new Error("strict missing");
    let threw = false;
    try { strict.equal(1, "1"); } catch (err) { threw = err.code === "ERR_ASSERTION"; }
    if (!threw) throw new Error("assert/strict equal is not strict");
    threw = false;
    try { strict.deepEqual({ a: 1 }, { a: "1" }); } catch (err) { threw = err.code === "ERR_ASSERTION"; }
    if (!threw) throw new Error("assert/strict deepEqual is not strict");
    if (Object.keys(assert).includes("default")) throw new Error("default leaked into keys");
  },
};

export const passingAssertions = {
  async test() {
    assert(true);
    assert.ok(1);
    strictEqual(1, 1);
    strictEqual(NaN, NaN);
    assert.notStrictEqual(1, "1");
    assert.notStrictEqual(0, -0);
    deepStrictEqual({ a: [1, { b: 2 }], c: new Map([[1, new Set([1, 2])]]) }, { a: [1, { b: 2 }], c: new Map([[1, new Set([2, 1])]]) });
    deepStrictEqual(new Date(5), new Date(5));
    deepStrictEqual(/a/gi, /a/gi);
    deepStrictEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]));
    deepStrictEqual(new Set([{ x: 1 }, { y: 2 }]), new Set([{ y: 2 }, { x: 1 }]));
    const cyc1 = { n: 1 }; cyc1.self = cyc1;
    const cyc2 = { n: 1 }; cyc2.self = cyc2;
    deepStrictEqual(cyc1, cyc2);
    assert.notDeepStrictEqual({ a: 1 }, { a: "1" });
    assert.notDeepStrictEqual([1, 2], { 0: 1, 1: 2, length: 2 });
    assert.notDeepStrictEqual(Object.create(null), {});
    assert.notDeepStrictEqual(new Error("a"), new Error("b"));
    assert.notDeepStrictEqual([1, , 3], [1, undefined, 3]);
    assert.notDeepStrictEqual(0, -0);
    assert.match("abc", /b/);
    assert.doesNotMatch("abc", /x/);
    assert.ifError(null);
    assert.ifError(undefined);
    throws(() => { throw new TypeError("bad thing"); }, TypeError);
    throws(() => { throw new TypeError("bad thing"); }, /bad/);
    throws(() => { throw new TypeError("bad thing"); }, { name: "TypeError", message: "bad thing" });
    throws(() => { throw new TypeError("bad thing"); }, { message: /thing$/ });
    throws(() => { throw new TypeError("bad thing"); }, (err) => err instanceof TypeError);
    assert.doesNotThrow(() => 1);
    await assert.rejects(Promise.reject(new RangeError("r")), RangeError);
    await assert.rejects(async () => { throw new Error("x"); }, { message: "x" });
    await assert.doesNotReject(Promise.resolve(3));
    if (!util.isDeepStrictEqual({ a: [1] }, { a: [1] })) throw new Error("isDeepStrictEqual");
    if (util.isDeepStrictEqual({ a: [1] }, { a: ["1"] })) throw new Error("isDeepStrictEqual loose");
  },
};

export const failureDetails = {
  async test() {
    let err = caught(() => strictEqual(1, 2));
    if (!(err instanceof AssertionError) || !(err instanceof Error)) throw new Error("not an AssertionError");
    if (err.code !== "ERR_ASSERTION" || err.name !== "AssertionError") throw new Error(`code/name ${err.code} ${err.name}`);
    if (err.actual !== 1 || err.expected !== 2 || err.operator !== "strictEqual") throw new Error("actual/expected/operator");
    err = caught(() => strictEqual(1, 2, "my message"));
    if (err.message !== "my message" || err.generatedMessage !== false) throw new Error(`custom message: ${err.message}`);
    err = caught(() => deepStrictEqual({ a: 1 }, { a: 2 }));
    if (err.operator !== "deepStrictEqual" || err.generatedMessage !== true) throw new Error("deepStrictEqual fields");
    if (caught(() => assert.throws(() => {})).message !== "Missing expected exception.") throw new Error("throws message");
    if (caught(() => assert.throws(() => {}, TypeError)).message !== "Missing expected exception (TypeError).") throw new Error("throws named");
    if (caught(() => assert.throws(() => {}, "why")).message !== "Missing expected exception: why") throw new Error("throws why");
    err = caught(() => assert.throws(() => { throw new TypeError("x"); }, RangeError));
    if (!err.message.startsWith('The error is expected to be an instance of "RangeError". Received "TypeError"')) throw new Error(err.message);
    err = caught(() => assert.throws(() => { throw new Error("abc"); }, /xyz/));
    if (err.message !== "The input did not match the regular expression /xyz/. Input:\n\n'Error: abc'\n") throw new Error(err.message);
    err = caught(() => assert.doesNotThrow(() => { throw new Error("boom"); }));
    if (err.message !== 'Got unwanted exception.\nActual message: "boom"') throw new Error(err.message);
    if (caught(() => assert.fail()).message !== "Failed") throw new Error("fail()");
    if (caught(() => assert.fail("boom")).message !== "boom") throw new Error("fail(msg)");
    if (caught(() => assert.ifError(new Error("e1"))).message !== "ifError got unwanted exception: e1") throw new Error("ifError");
    if (caught(() => assert.ok(null, "custom msg")).message !== "custom msg") throw new Error("ok msg");
    err = caught(() => assert(false));
    if (err.operator !== "==" || err.actual !== false || err.expected !== true) throw new Error("ok fields");
    let rejected;
    try { await assert.rejects(Promise.resolve(1)); } catch (e) { rejected = e; }
    if (!rejected || rejected.message !== "Missing expected rejection.") throw new Error("rejects message");
    try { await assert.doesNotReject(Promise.reject(new Error("r"))); rejected = null; } catch (e) { rejected = e; }
    if (!rejected || !rejected.message.startsWith("Got unwanted ") || !rejected.message.endsWith('Actual message: "r"')) throw new Error("doesNotReject message");
    const ae = new AssertionError({ actual: 1, expected: 2, operator: "strictEqual" });
    if (ae.message !== "Expected values to be strictly equal:\n\n1 !== 2\n") throw new Error(`AssertionError message ${JSON.stringify(ae.message)}`);
    if (Object.keys(ae).join() !== "generatedMessage,code,actual,expected,operator") throw new Error(Object.keys(ae).join());
    err = caught(() => strictEqual(1));
    if (err.code !== "ERR_MISSING_ARGS") throw new Error("missing args");
  },
};
