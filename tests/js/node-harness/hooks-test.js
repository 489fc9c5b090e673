// Harness-only checks of internal.hooks (the runtime contract); run with
//   node --experimental-vm-modules tests/js/node-harness/run.js tests/js/node-harness/hooks-test.js
import { ok, equal, deepEqual, throws, rejects } from "../assert.js";

const internal = globalThis.__colonyInternal;
const { hooks, ops } = internal;

export const makeRequestAndParts = {
  async test() {
    const body = ops.__makeBody(["he", "llo"]);
    const req = hooks.makeRequest("POST", "http://x/p", ["Content-Type", "text/plain", "X-A", "1"], body);
    ok(req instanceof Request);
    equal(req.method, "POST");
    equal(req.headers.get("x-a"), "1");
    throws(() => req.headers.set("x", "y"), TypeError);
    equal(await req.text(), "hello");
    const noBody = hooks.makeRequest("GET", "http://x/", [], null);
    equal(noBody.body, null);

    // [status, statusText, body kind (0 none, 1 string, 2 bytes, 3 stream, 4 native), body,
    //  length, manual encoding, webSocket, header name, header value, ...]
    const s = hooks.responseParts(new Response("hi", { status: 201, headers: { a: "b" } }));
    equal(s[2], 1);
    equal(s[3], "hi");
    equal(s[0], 201);
    deepEqual(s.slice(7), ["a", "b", "Content-Type", "text/plain;charset=UTF-8"]);
    const b = hooks.responseParts(new Response(new Uint8Array([1, 2])));
    equal(b[2], 2);
    deepEqual([...b[3]], [1, 2]);
    equal(hooks.responseParts(new Response(null))[2], 0);
    const st = hooks.responseParts(new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([9])); c.close(); } })));
    equal(st[2], 3);
    deepEqual([...(await st[3].read())], [9]);
    equal(await st[3].read(), null);
    const used = new Response("x");
    await used.text();
    throws(() => hooks.responseParts(used), TypeError);
    throws(() => hooks.responseParts("nope"), TypeError);
    const accessed = new Response("y");
    accessed.body; // once exposed as a stream it must be streamed
    equal(hooks.responseParts(accessed)[2], 3);
    // With a sink, the parts are its arguments.
    deepEqual(hooks.responseParts(new Response("z"), (...parts) => parts.slice(0, 4)), [200, "", 1, "z"]);
  },
};

export const fetcher = {
  async test() {
    const seen = [];
    const target = {
      handler(method, url, headers, body, bodyKind) {
        seen.push([method, url, headers, body, bodyKind]);
        return [200, "OK", ["X-R", "1"], ops.__makeBody(["resp"])];
      },
    };
    const svc = hooks.makeFetcher(target);
    const res = await svc.fetch("http://svc/a", { method: "PUT", body: "data", headers: { h: "v" } });
    deepEqual(seen[0], ["PUT", "http://svc/a", ["h", "v", "Content-Type", "text/plain;charset=UTF-8"], "data", "string"]);
    equal(res.status, 200);
    equal(res.headers.get("x-r"), "1");
    equal(await res.text(), "resp");
    await svc.fetch(new Request("http://svc/b"));
    equal(seen[1][1], "http://svc/b");
    equal(seen[1][4], "none");
    throws(() => svc.connect("x:1"), TypeError);
    await rejects(svc.fetch("/relative"), TypeError);
  },
};

export const fetchEvents = {
  async test() {
    equal(hooks.hasFetchListeners(), false);
    const ctx = { waited: [], pass: 0, waitUntil(p) { this.waited.push(p); }, passThroughOnException() { this.pass++; } };
    let second;
    const listener = (event) => {
      event.waitUntil(1);
      event.passThroughOnException();
      event.respondWith(new Response(`hi ${event.request.url}`));
      second = throws(() => event.respondWith(new Response("again")));
    };
    addEventListener("fetch", listener);
    equal(hooks.hasFetchListeners(), true);
    const p = hooks.dispatchFetchEvent(hooks.makeRequest("GET", "http://x/", [], null), ctx);
    equal(await (await p).text(), "hi http://x/");
    equal(second.name, "InvalidStateError");
    deepEqual(ctx.waited, [1]);
    equal(ctx.pass, 1);
    removeEventListener("fetch", listener);
    addEventListener("fetch", () => {});
    equal(hooks.dispatchFetchEvent(hooks.makeRequest("GET", "http://x/", [], null), ctx), undefined);
  },
};

export const consoleFormat = {
  async test() {
    const { inspect, format } = internal.require("console");
    equal(format(["a", 1, "b"]), "a 1 b");
    equal(format(["%s=%d", "x", 42, "rest"]), "x=42 rest");
    equal(format(["100%%"]), "100%%");
    equal(format(["%j", { a: [1] }]), '{"a":[1]}');
    equal(inspect({ a: 1, b: "s", c: [1, 2], d: { e: { f: { g: 1 } } } }), "{ a: 1, b: 's', c: [ 1, 2 ], d: { e: { f: [Object] } } }");
    equal(inspect(new Map([["k", 1]])), "Map(1) { 'k' => 1 }");
    equal(inspect(new Set([1])), "Set(1) { 1 }");
    equal(inspect([undefined, null, -0, 1n, Symbol("s")]), "[ undefined, null, -0, 1n, Symbol(s) ]");
    equal(inspect(new Uint8Array([1, 2])), "Uint8Array(2) [ 1, 2 ]");
    equal(inspect(function named() {}), "[Function: named]");
    equal(inspect(class K {}), "[class K]");
    const circ = { name: "c" };
    circ.self = circ;
    equal(inspect(circ), "<ref *1> { name: 'c', self: [Circular *1] }");
    ok(inspect(new Error("boom")).startsWith("Error: boom\n"));
    equal(inspect(Object.create(null)), "[Object: null prototype] {}");
    equal(inspect(new (class Point { constructor() { this.x = 1; } })()), "Point { x: 1 }");
  },
};

export const primordialsResistPatching = {
  async test() {
    const origPush = Array.prototype.push;
    const origThen = Promise.prototype.then;
    Array.prototype.push = () => { throw new Error("patched push"); };
    Promise.prototype.then = function () { throw new Error("patched then"); };
    try {
      const h = new Headers({ a: "1" });
      h.append("b", "2");
      equal(h.get("b"), "2");
      const u = new URL("http://x/?a=1");
      u.searchParams.append("b", "2");
      equal(u.search, "?a=1&b=2");
      const r = new Response("body");
      const t = r.text();
      Promise.prototype.then = origThen;
      equal(await t, "body");
    } finally {
      Array.prototype.push = origPush;
      Promise.prototype.then = origThen;
    }
  },
};
