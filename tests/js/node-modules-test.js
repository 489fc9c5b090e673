// node:buffer, events, util, path, string_decoder, querystring, url, timers, async_hooks,
// diagnostics_channel and process under nodejs_compat, checked with node:assert.
import assert from "node:assert";
import { Buffer } from "node:buffer";
import EventEmitter, { once } from "node:events";
import util from "node:util";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import querystring from "node:querystring";
import url from "node:url";
import timersPromises from "node:timers/promises";
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import diagnostics from "node:diagnostics_channel";
import process from "node:process";
import cjs from "cjs.js";

export const buffer = {
  test() {
    const b = Buffer.from("héllo wörld", "utf8");
    assert.strictEqual(b.length, 13);
    assert.strictEqual(b.toString(), "héllo wörld");
    assert.ok(Buffer.isBuffer(b) && b instanceof Uint8Array);
    assert.strictEqual(Buffer.from("aGVsbG8", "base64").toString(), "hello");
    assert.strictEqual(Buffer.from("hello").toString("base64"), "aGVsbG8=");
    assert.strictEqual(Buffer.from([0xfb, 0xff]).toString("base64url"), "-_8");
    assert.strictEqual(Buffer.from("-_8", "base64url").toString("hex"), "fbff");
    assert.strictEqual(Buffer.from("00ff10zz", "hex").length, 3);
    assert.strictEqual(Buffer.from("ab", "utf16le").toString("hex"), "61006200");
    assert.strictEqual(Buffer.from("ÿa", "latin1").toString("latin1"), "ÿa");
    assert.strictEqual(Buffer.byteLength("€"), 3);
    assert.strictEqual(Buffer.byteLength("aGVsbG8=", "base64"), 5);
    const n = Buffer.alloc(16);
    n.writeUInt32BE(0xdeadbeef, 0);
    n.writeInt16LE(-2, 4);
    n.writeDoubleLE(1.5, 8);
    assert.strictEqual(n.readUInt32BE(0), 0xdeadbeef);
    assert.strictEqual(n.readInt32BE(0), -559038737);
    assert.strictEqual(n.readInt16LE(4), -2);
    assert.strictEqual(n.readDoubleLE(8), 1.5);
    n.writeBigInt64BE(-5n, 8);
    assert.strictEqual(n.readBigInt64BE(8), -5n);
    n.writeUIntBE(0x123456, 0, 3);
    assert.strictEqual(n.readUIntBE(0, 3), 0x123456);
    assert.throws(() => n.readUInt32LE(13), { code: "ERR_OUT_OF_RANGE", name: "RangeError" });
    assert.throws(() => n.writeUInt8(256, 0), { code: "ERR_OUT_OF_RANGE" });
    assert.throws(() => Buffer.from("x", "nope"), { code: "ERR_UNKNOWN_ENCODING" });
    assert.throws(() => Buffer.from(5), { code: "ERR_INVALID_ARG_TYPE" });
    const c = Buffer.concat([Buffer.from("ab"), Buffer.from("cd")]);
    assert.strictEqual(c.toString(), "abcd");
    assert.strictEqual(c.indexOf("cd"), 2);
    assert.strictEqual(c.lastIndexOf(0x61), 0);
    assert.ok(c.includes("bc"));
    assert.strictEqual(Buffer.compare(Buffer.from("a"), Buffer.from("b")), -1);
    assert.ok(Buffer.from("abc").equals(Buffer.from("abc")));
    assert.strictEqual(Buffer.alloc(5, "ab").toString(), "ababa");
    assert.deepStrictEqual([...Buffer.alloc(3, 0x10b)], [11, 11, 11]);
    assert.deepStrictEqual([...Buffer.alloc(2).fill(true)], [1, 1]);
    const s = c.subarray(1, 3);
    assert.ok(Buffer.isBuffer(s));
    s[0] = 0x7a;
    assert.strictEqual(c.toString(), "azcd");
    const copyTarget = Buffer.alloc(4);
    assert.strictEqual(Buffer.from("xy").copy(copyTarget, 1), 2);
    assert.deepStrictEqual([...copyTarget], [0, 0x78, 0x79, 0]);
    assert.deepStrictEqual(Buffer.from("hi").toJSON(), { type: "Buffer", data: [104, 105] });
    assert.strictEqual(Buffer.from([1, 2, 3, 4]).swap16().toString("hex"), "02010403");
    assert.strictEqual(util.inspect(Buffer.from("hi")), "<Buffer 68 69>");
    const ab = new ArrayBuffer(8);
    const view = Buffer.from(ab, 2, 4);
    view[0] = 9;
    assert.strictEqual(new Uint8Array(ab)[2], 9);
    const w = Buffer.alloc(4);
    assert.strictEqual(w.write("€€"), 3);
    assert.strictEqual(w.toString("utf8", 0, 3), "€");
  },
};

export const events = {
  async test() {
    const e = new EventEmitter();
    const seen = [];
    e.on("x", (v) => seen.push(["on", v]));
    e.prependListener("x", (v) => seen.push(["first", v]));
    e.once("x", (v) => seen.push(["once", v]));
    assert.strictEqual(e.listenerCount("x"), 3);
    assert.strictEqual(e.emit("x", 1), true);
    e.emit("x", 2);
    assert.deepStrictEqual(seen, [["first", 1], ["on", 1], ["once", 1], ["first", 2], ["on", 2]]);
    assert.strictEqual(e.emit("nothing"), false);
    assert.throws(() => e.emit("error", new TypeError("bad")), TypeError);
    assert.throws(() => e.emit("error", "text"), { code: "ERR_UNHANDLED_ERROR" });
    assert.deepStrictEqual(e.eventNames(), ["x"]);
    e.removeAllListeners("x");
    assert.strictEqual(e.listenerCount("x"), 0);
    setTimeout(() => e.emit("ready", 1, 2), 1);
    assert.deepStrictEqual(await once(e, "ready"), [1, 2]);
    assert.strictEqual(EventEmitter.EventEmitter, EventEmitter);
    assert.strictEqual(typeof EventEmitter.defaultMaxListeners, "number");
    class Sub extends EventEmitter {}
    const sub = new Sub();
    let got;
    sub.on("y", function (v) { got = [this === sub, v]; });
    sub.emit("y", 7);
    assert.deepStrictEqual(got, [true, 7]);
    const cap = new EventEmitter({ captureRejections: true });
    cap.on("z", async () => { throw new Error("async failure"); });
    const errorSeen = new Promise((resolve) => cap.on("error", resolve));
    cap.emit("z");
    assert.strictEqual((await errorSeen).message, "async failure");
  },
};

export const utilities = {
  async test() {
    assert.strictEqual(util.format("%s=%d %j", "a", 42, { b: 1 }), 'a=42 {"b":1}');
    assert.strictEqual(util.format("%s", "x", "extra"), "x extra");
    assert.strictEqual(util.inspect({ a: [1, 2], s: "x" }), "{ a: [ 1, 2 ], s: 'x' }");
    assert.strictEqual(util.inspect("str"), "'str'");
    const fn = util.promisify((a, cb) => setTimeout(() => cb(null, a * 2), 1));
    assert.strictEqual(await fn(21), 42);
    const failing = util.promisify((cb) => cb(new Error("nope")));
    await assert.rejects(failing(), { message: "nope" });
    const cbified = util.callbackify(async (x) => x + 1);
    assert.strictEqual(await new Promise((resolve, reject) => cbified(1, (err, v) => (err ? reject(err) : resolve(v)))), 2);
    function A() {}
    function B() {}
    util.inherits(A, B);
    assert.ok(new A() instanceof B);
    assert.strictEqual(A.super_, B);
    assert.ok(util.types.isPromise(Promise.resolve()));
    assert.ok(!util.types.isPromise({ then() {} }));
    assert.ok(util.types.isDate(new Date()));
    assert.ok(util.types.isRegExp(/x/));
    assert.ok(util.types.isUint8Array(Buffer.alloc(1)));
    assert.ok(util.types.isAsyncFunction(async () => {}));
    assert.ok(util.types.isGeneratorFunction(function* () {}));
    assert.ok(util.types.isProxy(new Proxy({}, {})));
    assert.ok(util.types.isBoxedPrimitive(Object(1)));
    assert.ok(util.types.isNativeError(new RangeError()));
    assert.ok(util.types.isMap(new Map()) && !util.types.isMap(new Set()));
    assert.strictEqual(new util.TextDecoder().decode(new util.TextEncoder().encode("ok")), "ok");
    const dep = util.deprecate(() => 5, "old api");
    assert.strictEqual(dep(), 5);
  },
};

export const paths = {
  test() {
    assert.strictEqual(path.join("/a/b", "../c", "./d"), "/a/c/d");
    assert.strictEqual(path.normalize("a//b/../c/"), "a/c/");
    assert.strictEqual(path.resolve("a", "b"), "/a/b");
    assert.strictEqual(path.resolve("/x", "/y", "z"), "/y/z");
    assert.strictEqual(path.relative("/data/a/b", "/data/c"), "../../c");
    assert.strictEqual(path.dirname("/a/b/c.txt"), "/a/b");
    assert.strictEqual(path.basename("/a/b/c.txt", ".txt"), "c");
    assert.strictEqual(path.extname("index.coffee.md"), ".md");
    assert.strictEqual(path.extname(".profile"), "");
    assert.deepStrictEqual(path.parse("/home/u/file.txt"), { root: "/", dir: "/home/u", base: "file.txt", ext: ".txt", name: "file" });
    assert.strictEqual(path.format({ dir: "/x", base: "y.js" }), "/x/y.js");
    assert.ok(path.isAbsolute("/a") && !path.isAbsolute("a"));
    assert.strictEqual(path.sep, "/");
    assert.strictEqual(path.win32.join("C:\\a", "..", "b", "c.txt"), "C:\\b\\c.txt");
    assert.strictEqual(path.win32.basename("C:\\temp\\file.html"), "file.html");
    assert.strictEqual(path.win32.dirname("C:\\temp\\file.html"), "C:\\temp");
    assert.ok(path.win32.isAbsolute("C:\\x") && !path.win32.isAbsolute("x\\y"));
    assert.strictEqual(path.win32.normalize("C:/a//b/../c"), "C:\\a\\c");
    assert.strictEqual(path.posix, path);
  },
};

export const textModules = {
  test() {
    const d = new StringDecoder("utf8");
    const euro = Buffer.from("€");
    assert.strictEqual(d.write(euro.subarray(0, 1)), "");
    assert.strictEqual(d.write(euro.subarray(1)), "€");
    assert.strictEqual(d.write(Buffer.from([0xe2])), "");
    assert.strictEqual(d.end(), "\ufffd");
    const b64 = new StringDecoder("base64");
    assert.strictEqual(b64.write(Buffer.from("ab")) + b64.end(Buffer.from("c")), "YWJj");
    assert.deepStrictEqual({ ...querystring.parse("a=1&b=x%20y&a=2&c") }, { a: ["1", "2"], b: "x y", c: "" });
    assert.strictEqual(querystring.stringify({ a: [1, 2], b: "x y", c: true }), "a=1&a=2&b=x%20y&c=true");
    assert.strictEqual(querystring.escape("a b&"), "a%20b%26");
    const u = url.parse("http://user:pw@Example.com:8080/p/a?x=1#h", true);
    assert.strictEqual(u.protocol, "http:");
    assert.strictEqual(u.auth, "user:pw");
    assert.strictEqual(u.hostname, "example.com");
    assert.strictEqual(u.port, "8080");
    assert.strictEqual(u.pathname, "/p/a");
    assert.strictEqual(u.hash, "#h");
    assert.strictEqual(u.query.x, "1");
    assert.strictEqual(u.path, "/p/a?x=1");
    assert.strictEqual(url.format({ protocol: "https", hostname: "a.com", pathname: "/x", query: { q: "1" } }), "https://a.com/x?q=1");
    assert.strictEqual(url.resolve("http://a.com/b/c", "../d"), "http://a.com/d");
    assert.strictEqual(url.resolve("/one/two", "three"), "/one/three");
    assert.strictEqual(url.URL, URL);
    assert.strictEqual(url.fileURLToPath("file:///tmp/a%20b"), "/tmp/a b");
    assert.strictEqual(url.pathToFileURL("/tmp/x").href, "file:///tmp/x");
  },
};

export const asyncContext = {
  async test() {
    const als = new AsyncLocalStorage();
    assert.strictEqual(als.getStore(), undefined);
    const result = await als.run({ id: 1 }, async () => {
      assert.strictEqual(als.getStore().id, 1);
      await Promise.resolve();
      await new Promise((resolve) => setTimeout(resolve, 1));
      assert.strictEqual(als.getStore().id, 1);
      const fromTimer = await new Promise((resolve) => setTimeout(() => resolve(als.getStore()), 1));
      const fromMicrotask = await new Promise((resolve) => queueMicrotask(() => resolve(als.getStore())));
      const nested = als.run({ id: 2 }, () => als.getStore().id);
      const outside = als.exit(() => als.getStore());
      return [fromTimer.id, fromMicrotask.id, nested, outside, als.getStore().id];
    });
    assert.deepStrictEqual(result, [1, 1, 2, undefined, 1]);
    assert.strictEqual(als.getStore(), undefined);
    const both = await Promise.all([
      als.run("a", async () => { await timersPromises.setTimeout(3); return als.getStore(); }),
      als.run("b", async () => { await timersPromises.setTimeout(1); return als.getStore(); }),
    ]);
    assert.deepStrictEqual(both, ["a", "b"]);
    const bound = als.run("bound", () => AsyncLocalStorage.bind(() => als.getStore()));
    assert.strictEqual(bound(), "bound");
    const resource = als.run("res", () => new AsyncResource("test"));
    assert.strictEqual(resource.runInAsyncScope(() => als.getStore()), "res");
    assert.strictEqual(await timersPromises.setTimeout(1, "value"), "value");
    const ac = new AbortController();
    const pending = timersPromises.setTimeout(1000, null, { signal: ac.signal });
    ac.abort();
    await assert.rejects(pending, { name: "AbortError" });
  },
};

export const channelsAndProcess = {
  async test() {
    const ch = diagnostics.channel("colony-test");
    const got = [];
    const sub = (msg, name) => got.push([msg, name]);
    assert.strictEqual(diagnostics.hasSubscribers("colony-test"), false);
    diagnostics.subscribe("colony-test", sub);
    assert.strictEqual(diagnostics.hasSubscribers("colony-test"), true);
    ch.publish({ n: 1 });
    diagnostics.unsubscribe("colony-test", sub);
    ch.publish({ n: 2 });
    assert.deepStrictEqual(got, [[{ n: 1 }, "colony-test"]]);
    const order = [];
    await new Promise((resolve) => {
      process.nextTick((a) => { order.push(a); resolve(); }, "tick");
      order.push("sync");
    });
    assert.deepStrictEqual(order, ["sync", "tick"]);
    assert.strictEqual(typeof process.env, "object");
    assert.strictEqual(typeof process.nextTick, "function");
  },
};

export const commonJs = {
  test() {
    assert.strictEqual(cjs.assertIsFunction, true);
    assert.strictEqual(cjs.sameBuffer, true);
    assert.strictEqual(cjs.eventsIsClass, true);
    assert.strictEqual(cjs.joined, "a/b");
  },
};
