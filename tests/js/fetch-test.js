import { ok, equal, deepEqual, throws, rejects } from "assert.js";

export const requestBasics = {
  async test() {
    const r = new Request("http://example.com/a b?q=1", { method: "post", body: "hi", headers: { "X-A": "1" } });
    equal(r.method, "POST");
    equal(r.url, "http://example.com/a%20b?q=1");
    equal(r.headers.get("x-a"), "1");
    equal(r.headers.get("content-type"), "text/plain;charset=UTF-8");
    equal(r.redirect, "follow");
    ok(r.signal instanceof AbortSignal);
    equal(r.signal.aborted, false);
    equal(r.bodyUsed, false);
    equal(await r.text(), "hi");
    equal(r.bodyUsed, true);
    await rejects(r.text(), TypeError);
    for (const m of ["get", "head", "delete", "options", "put"]) {
      equal(new Request("http://x/", { method: m }).method, m.toUpperCase());
    }
  },
};

export const requestErrors = {
  async test() {
    throws(() => new Request("/relative"), TypeError);
    throws(() => new Request("http://x/", { method: "GET", body: "x" }), TypeError);
    throws(() => new Request("http://x/", { method: "HEAD", body: "x" }), TypeError);
    throws(() => new Request("http://x/", { method: "bad method" }), TypeError);
    throws(() => new Request("http://x/", { method: "CONNECT" }), TypeError);
    throws(() => new Request("http://x/", { redirect: "error" }), TypeError);
    throws(() => new Request("http://x/", { redirect: "bogus" }), TypeError);
    equal(new Request("http://x/", { redirect: "manual" }).redirect, "manual");
  },
};

export const requestFromRequest = {
  async test() {
    const a = new Request("http://x/p", { method: "PUT", body: "payload", headers: { a: "1" } });
    const b = new Request(a, { headers: { b: "2" } });
    equal(b.method, "PUT");
    equal(b.url, "http://x/p");
    equal(b.headers.get("a"), null);
    equal(b.headers.get("b"), "2");
    equal(await b.text(), "payload");
    equal(a.bodyUsed, true);
    const ac = new AbortController();
    const c = new Request("http://x/", { signal: ac.signal });
    ac.abort();
    equal(c.signal.aborted, true);
  },
};

export const requestClone = {
  async test() {
    const a = new Request("http://x/", { method: "POST", body: "abc" });
    const b = a.clone();
    equal(await a.text(), "abc");
    equal(await b.text(), "abc");
    throws(() => a.clone(), TypeError);
  },
};

export const responseBasics = {
  async test() {
    const r = new Response("hello", { status: 201, statusText: "Created", headers: { "X-Y": "z" } });
    equal(r.status, 201);
    equal(r.statusText, "Created");
    equal(r.ok, true);
    equal(r.type, "default");
    equal(r.url, "");
    equal(r.redirected, false);
    equal(r.headers.get("content-type"), "text/plain;charset=UTF-8");
    equal(r.headers.get("x-y"), "z");
    equal(await r.text(), "hello");
    await rejects(() => r.text(), TypeError);
    const d = new Response();
    equal(d.status, 200);
    equal(d.body, null);
    equal(await d.text(), "");
    equal(new Response(null, { status: 404 }).ok, false);
  },
};

export const responseBodyKinds = {
  async test() {
    const bytes = new Uint8Array([104, 105]);
    const r1 = new Response(bytes);
    bytes[0] = 0; // the body was copied at construction
    equal(r1.headers.get("content-type"), null);
    equal(await r1.text(), "hi");
    equal(await new Response(bytes.buffer).arrayBuffer().then((b) => b.byteLength), 2);
    equal(await new Response(new DataView(new Uint8Array([65, 66, 67]).buffer, 1)).text(), "BC");
    const p = new Response(new URLSearchParams("a=b c&d=é"));
    equal(p.headers.get("content-type"), "application/x-www-form-urlencoded;charset=UTF-8");
    equal(await p.text(), "a=b+c&d=%C3%A9");
    deepEqual(await new Response('{"a":[1,2]}').json(), { a: [1, 2] });
    await rejects(new Response("{bad").json(), SyntaxError);
    const u8 = await new Response("é").bytes();
    ok(u8 instanceof Uint8Array);
    deepEqual([...u8], [0xc3, 0xa9]);
    const stream = new ReadableStream({
      start(c) { c.enqueue(new TextEncoder().encode("a")); c.enqueue(new TextEncoder().encode("b")); c.close(); },
    });
    const rs = new Response(stream);
    equal(rs.body, stream);
    equal(await rs.text(), "ab");
    await rejects(new Response(new ReadableStream({ start(c) { c.enqueue("str"); c.close(); } })).text(), TypeError);
  },
};

export const responseBodyStream = {
  async test() {
    const r = new Response("stream me");
    const body = r.body;
    ok(body instanceof ReadableStream);
    equal(r.bodyUsed, false);
    const reader = body.getReader();
    let text = "";
    const dec = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      ok(value instanceof Uint8Array);
      text += dec.decode(value, { stream: true });
    }
    equal(text, "stream me");
    equal(r.bodyUsed, true);
  },
};

export const responseValidation = {
  async test() {
    throws(() => new Response("x", { status: 99 }), RangeError);
    throws(() => new Response("x", { status: 600 }), RangeError);
    throws(() => new Response(null, { status: 101 }), RangeError);
    throws(() => new Response("x", { status: 204 }), TypeError);
    throws(() => new Response("x", { status: 304 }), TypeError);
    equal(new Response(null, { status: 204 }).status, 204);
    throws(() => new Response("x", { statusText: "a\nb" }), TypeError);
  },
};

export const responseStatics = {
  async test() {
    const j = Response.json({ a: 1 }, { status: 202 });
    equal(j.status, 202);
    equal(j.headers.get("content-type"), "application/json");
    deepEqual(await j.json(), { a: 1 });
    const e = Response.error();
    equal(e.type, "error");
    equal(e.status, 0);
    const r = Response.redirect("http://example.com/x y");
    equal(r.status, 302);
    equal(r.headers.get("location"), "http://example.com/x%20y");
    throws(() => Response.redirect("http://x/", 200), RangeError);
    throws(() => Response.redirect("/relative"), TypeError);
  },
};

export const responseDefaultHeaders = {
  async test() {
    // A Response made without init.headers: its default Content-Type, then mutable as any other.
    const r = new Response("x");
    deepEqual([...r.headers], [["content-type", "text/plain;charset=UTF-8"]]);
    r.headers.set("x-added", "1");
    deepEqual([...r.headers], [["content-type", "text/plain;charset=UTF-8"], ["x-added", "1"]]);
    equal(r.headers, r.headers);
    deepEqual([...new Response(null).headers], []);
    deepEqual([...new Response(new Uint8Array([1])).headers], []);
    deepEqual([...Response.json([1], { status: 201 }).headers], [["content-type", "application/json"]]);
    const c = new Response("y").clone();
    deepEqual([...c.headers], [["content-type", "text/plain;charset=UTF-8"]]);
    throws(() => new Response("x").headers.set("bad name", "1"), TypeError);
  },
};

export const responseClone = {
  async test() {
    const r = new Response("abc", { headers: { a: "1" } });
    const c = r.clone();
    equal(c.headers.get("a"), "1");
    equal(await c.text(), "abc");
    equal(await r.text(), "abc");
    const s = new Response(new ReadableStream({ start(ctl) { ctl.enqueue(new Uint8Array([1, 2, 3])); ctl.close(); } }));
    const s2 = s.clone();
    deepEqual([...new Uint8Array(await s.arrayBuffer())], [1, 2, 3]);
    deepEqual([...new Uint8Array(await s2.arrayBuffer())], [1, 2, 3]);
    throws(() => s.clone(), TypeError);
  },
};
