import { ok, equal, deepEqual, rejects } from "assert.js";

const text = "Colony decodes compressed response bodies. ".repeat(40);

export const dataUrls = {
  async test() {
    let r = await fetch("data:text/plain;base64,aGVsbG8=");
    equal(r.status, 200);
    equal(r.statusText, "OK");
    equal(r.headers.get("content-type"), "text/plain");
    equal(await r.text(), "hello");
    r = await fetch("data:,hello%20world");
    equal(r.headers.get("content-type"), "text/plain;charset=US-ASCII");
    equal(await r.text(), "hello world");
    r = await fetch("data:Application/JSON;Charset=utf-8,%7B%22a%22%3A1%7D");
    equal(r.headers.get("content-type"), "application/json;charset=utf-8");
    deepEqual(await r.json(), { a: 1 });
    r = await fetch("data:;base64,AAH/");
    equal(r.headers.get("content-type"), "text/plain;charset=US-ASCII");
    deepEqual(new Uint8Array(await r.arrayBuffer()), new Uint8Array([0, 1, 255]));
    r = await fetch("data:text/html;foo;base64,aGk=");
    equal(r.headers.get("content-type"), "text/html");
    equal(await r.text(), "hi");
    r = await fetch("data:text/plain ;  base64,aGk=");
    equal(await r.text(), "hi");
    equal(await (await fetch("data:,x#frag")).text(), "x");
    equal((await fetch("data:;charset=utf-8,x")).headers.get("content-type"), "text/plain;charset=utf-8");
    equal((await fetch("data:,x", { method: "POST", body: "y" })).status, 200);
    await rejects(fetch("data:;base64,a"), TypeError);
    await rejects(fetch("data:no-comma"), TypeError);
  },
};

export const badInput = {
  async test() {
    let err = await rejects(fetch(), TypeError);
    ok(err.message.includes("parameter 1"), err.message);
    err = await rejects(fetch("not a url"), TypeError);
    equal(err.message, "Invalid URL: not a url");
    err = await rejects(fetch("ftp://example.com/"), TypeError);
    equal(err.message, "Fetch API cannot load: ftp://example.com/");
    await rejects(fetch("file:///etc/passwd"), TypeError);
    await rejects(fetch("about:blank"), TypeError);
    err = await rejects(fetch("http://example.com/", { method: "CONNECT" }), TypeError);
    equal(err.message, "Invalid HTTP method string: CONNECT");
    await rejects(fetch("http://example.com/", { method: "TRACE" }), TypeError);
    await rejects(fetch("http://example.com/", { method: "bad method" }), TypeError);
    err = await rejects(fetch("http://example.com/", { body: "x" }), TypeError);
    equal(err.message, "Request with a GET or HEAD method cannot have a body.");
    await rejects(fetch("http://example.com/", { redirect: "sideways" }), TypeError);
    await rejects(fetch("http://example.com/", { signal: "nope" }), TypeError);
    // The errors are rejections, never synchronous throws.
    const p = fetch("ftp://x/");
    ok(p instanceof Promise);
    await rejects(p, TypeError);
  },
};

export const throughGlobalOutbound = {
  async test() {
    let r = await fetch("http://example.com/echo?q=1", { headers: { "x-test": "yes" } });
    equal(r.status, 200);
    equal(r.url, "http://example.com/echo?q=1");
    equal(r.redirected, false);
    let echo = await r.json();
    equal(echo.method, "GET");
    equal(echo.url, "http://example.com/echo?q=1");
    equal(echo.headers["x-test"], "yes");

    echo = await (await fetch("https://example.com/echo", { method: "PUT", body: "put body" })).json();
    equal(echo.method, "PUT");
    equal(echo.body, "put body");
    equal(echo.headers["content-type"], "text/plain;charset=UTF-8");

    echo = await (await fetch("http://example.com/echo", { method: "POST", body: new Uint8Array([104, 105]) })).json();
    equal(echo.body, "hi");

    // A streamed request body.
    const parts = ["a", "b", "c"];
    const stream = new ReadableStream({
      pull(c) { if (parts.length) c.enqueue(new TextEncoder().encode(parts.shift())); else c.close(); },
    });
    echo = await (await fetch("http://example.com/echo", { method: "POST", body: stream })).json();
    equal(echo.body, "abc");

    // A Request object as input.
    const req = new Request("http://example.com/echo", { method: "DELETE", headers: { "x-from": "request" } });
    echo = await (await fetch(req)).json();
    equal(echo.method, "DELETE");
    equal(echo.headers["x-from"], "request");

    r = await fetch("http://example.com/missing");
    equal(r.status, 404);
    equal(await r.text(), "no such path");
  },
};

export const redirects = {
  async test() {
    // 301/302 turn a POST into a GET without a body.
    for (const status of [301, 302]) {
      const r = await fetch(`http://example.com/redirect/${status}`, { method: "POST", body: "payload" });
      equal(r.redirected, true);
      equal(r.url, "http://example.com/echo");
      const echo = await r.json();
      equal(echo.method, "GET", `${status}`);
      equal(echo.body, "");
      equal(echo.headers["content-type"], undefined);
    }
    // 303 turns anything but GET/HEAD into a GET.
    let echo = await (await fetch("http://example.com/redirect/303", { method: "PUT", body: "payload" })).json();
    equal(echo.method, "GET");
    // 307/308 keep the method and send the body again.
    for (const status of [307, 308]) {
      echo = await (await fetch(`http://example.com/redirect/${status}`, { method: "POST", body: "payload" })).json();
      equal(echo.method, "POST");
      equal(echo.body, "payload");
    }
    // A stream body cannot be sent twice.
    const stream = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1])); c.close(); } });
    let err = await rejects(fetch("http://example.com/redirect/307", { method: "POST", body: stream }), TypeError);
    ok(err.message.includes("ReadableStream"), err.message);
    // Relative and absolute locations; credentials do not follow to another origin.
    let r = await fetch("http://example.com/redirect/302?to=http://other.example/echo", { headers: { authorization: "secret", "x-keep": "1" } });
    equal(r.url, "http://other.example/echo");
    echo = await r.json();
    equal(echo.headers.authorization, undefined);
    equal(echo.headers["x-keep"], "1");
    echo = await (await fetch("http://example.com/redirect/302?to=/echo", { headers: { authorization: "secret" } })).json();
    equal(echo.headers.authorization, "secret");
    // Up to 20 redirects are followed; the 21st is an error.
    r = await fetch("http://example.com/chain/20");
    equal(await r.text(), "end of chain");
    equal(r.url, "http://example.com/chain/0");
    err = await rejects(fetch("http://example.com/chain/21"), TypeError);
    ok(err.message.startsWith("Too many redirects"), err.message);
    // manual: the redirect response itself.
    r = await fetch("http://example.com/redirect/301", { redirect: "manual" });
    equal(r.status, 301);
    equal(r.headers.get("location"), "/echo");
    equal(r.redirected, false);
    equal(await r.text(), "moved");
    // A redirect away from http(s) is an error.
    err = await rejects(fetch("http://example.com/redirect/302?to=ftp://example.com/"), TypeError);
    ok(err.message.includes("ftp://example.com/"), err.message);
    // A 3xx without Location is an ordinary response.
    r = await fetch("http://example.com/redirect/300");
    equal(r.status, 300);
  },
};

export const serviceBindingFetch = {
  async test(ctrl, env) {
    const r = await env.ORIGIN.fetch("http://example.com/redirect/302?to=/chain/1");
    equal(r.redirected, true);
    equal(await r.text(), "end of chain");
    equal(await (await env.ORIGIN.fetch("http://x/encoded?coding=gzip")).text(), text);
    equal(await (await env.ORIGIN.fetch("data:,via%20binding")).text(), "via binding");
  },
};

export const contentDecoding = {
  async test() {
    for (const coding of ["gzip", "br"]) {
      const r = await fetch(`http://example.com/encoded?coding=${coding}`);
      equal(r.headers.get("content-encoding"), coding);
      equal(await r.text(), text, coding);
    }
    // As in workerd, "deflate" is not decoded: the bytes arrive as sent.
    const deflated = new Uint8Array(await (await fetch("http://example.com/encoded?coding=deflate")).arrayBuffer());
    equal(deflated[0], 0x78);
    // x-gzip, any case.
    equal(await (await fetch("http://example.com/encoded?coding=gzip&header=X-GZip")).text(), text);
    // Unknown codings are passed through untouched.
    const r = await fetch("http://example.com/encoded?coding=gzip&header=compress");
    const raw = new Uint8Array(await r.arrayBuffer());
    equal(raw[0], 0x1f);
    equal(raw[1], 0x8b);
    // Corrupt data fails the read, not the fetch.
    const bad = await fetch("http://example.com/corrupt");
    equal(bad.status, 200);
    const err = await rejects(bad.text());
    ok(/gzip/.test(err.message), err.message);
    // Decoded bodies can be streamed too.
    const reader = (await fetch("http://example.com/encoded?coding=br")).body.getReader();
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
    }
    equal(total, text.length);
  },
};

export const abortSignals = {
  async test() {
    // Already aborted: rejected before anything is sent.
    let err = await rejects(fetch("http://example.com/echo", { signal: AbortSignal.abort() }));
    equal(err.name, "AbortError");
    const reason = new Error("custom reason");
    equal(await rejects(fetch("http://example.com/echo", { signal: AbortSignal.abort(reason) })), reason);
    // Aborted while waiting for the response head.
    let controller = new AbortController();
    let pending = fetch("http://example.com/hang", { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    err = await rejects(pending);
    equal(err.name, "AbortError");
    equal(err.message, "The operation was aborted");
    // Timeout signals.
    err = await rejects(fetch("http://example.com/hang", { signal: AbortSignal.timeout(10) }));
    equal(err.name, "TimeoutError");
    // Aborted while reading the body: the body errors with the reason.
    controller = new AbortController();
    const r = await fetch("http://example.com/trickle", { signal: controller.signal });
    const reader = r.body.getReader();
    const first = await reader.read();
    equal(new TextDecoder().decode(first.value), "first chunk");
    const next = reader.read();
    const why = new Error("stop reading");
    controller.abort(why);
    equal(await rejects(next), why);
    // Aborting after the body was read changes nothing.
    controller = new AbortController();
    const done = await fetch("http://example.com/text", { signal: controller.signal });
    equal(await done.text(), text);
    controller.abort();
    // A Request's signal is used too.
    controller = new AbortController();
    const req = new Request("http://example.com/hang", { signal: controller.signal });
    pending = fetch(req);
    controller.abort();
    equal((await rejects(pending)).name, "AbortError");
  },
};
