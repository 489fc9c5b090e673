import { ok, equal, deepEqual, rejects } from "assert.js";

const base = "https://cache-test.example/";

export const putAndMatch = {
  async test() {
    const cache = caches.default;
    ok(cache instanceof Cache);
    const url = base + "put-match";
    equal(await cache.match(url), undefined);
    await cache.put(url, new Response("hello", {
      status: 201, statusText: "Made", headers: { "x-a": "1", "cache-control": "max-age=60" },
    }));
    const hit = await cache.match(new Request(url));
    equal(hit.status, 201);
    equal(hit.statusText, "Made");
    equal(hit.headers.get("x-a"), "1");
    equal(hit.headers.get("cf-cache-status"), "HIT");
    equal(await hit.text(), "hello");
    // A second match gets a fresh body.
    equal(await (await cache.match(url)).text(), "hello");
    equal(await cache.delete(url), true);
    equal(await cache.delete(url), false);
    equal(await cache.match(url), undefined);
  },
};

export const namedCachesAreSeparate = {
  async test() {
    const url = base + "named";
    const a = await caches.open("a");
    const b = await caches.open("b");
    await a.put(url, new Response("from a"));
    equal(await b.match(url), undefined);
    equal(await caches.default.match(url), undefined);
    equal(await (await (await caches.open("a")).match(url)).text(), "from a");
  },
};

export const putRefusals = {
  async test() {
    const cache = caches.default;
    equal((await rejects(cache.put(new Request(base + "x", { method: "POST", body: "b" }), new Response("x")), TypeError)).message,
          "Cannot cache response to non-GET request.");
    equal((await rejects(cache.put(base + "x", new Response("x", { status: 206 })), TypeError)).message,
          "Cannot cache response to a range request (206 Partial Content).");
    equal((await rejects(cache.put(base + "x", new Response("x", { headers: { vary: "*" } })), TypeError)).message,
          "Cannot cache response with 'Vary: *' header.");
  },
};

export const uncacheable = {
  async test() {
    const cache = caches.default;
    for (const [i, headers] of [
      { "cache-control": "no-store" }, { "cache-control": "private" }, { "cache-control": "max-age=0" },
      { "cache-control": "no-cache" }, { "set-cookie": "a=b" }, { expires: "Thu, 01 Jan 1970 00:00:00 GMT" },
    ].entries()) {
      await cache.put(base + "uncacheable" + i, new Response("x", { headers }));
      equal(await cache.match(base + "uncacheable" + i), undefined, JSON.stringify(headers));
    }
  },
};

export const expiry = {
  async test() {
    const cache = caches.default;
    const start = Date.now();
    await cache.put(base + "short", new Response("x", { headers: { "cache-control": "max-age=1" } }));
    ok(await cache.match(base + "short"));
    while (Date.now() < start + 1100) await new Promise((resolve) => setTimeout(resolve, 50));
    equal(await cache.match(base + "short"), undefined);
    // s-maxage wins over max-age.
    await cache.put(base + "smax", new Response("x", { headers: { "cache-control": "max-age=0, s-maxage=60" } }));
    ok(await cache.match(base + "smax"));
  },
};

export const methods = {
  async test() {
    const cache = caches.default;
    await cache.put(base + "m", new Response("m"));
    equal(await cache.match(new Request(base + "m", { method: "HEAD" })), undefined);
    ok(await cache.match(new Request(base + "m", { method: "HEAD" }), { ignoreMethod: true }));
    equal(await cache.delete(new Request(base + "m", { method: "POST" })), false);
    equal(await cache.delete(new Request(base + "m", { method: "POST" }), { ignoreMethod: true }), true);
  },
};

export const vary = {
  async test() {
    const cache = caches.default;
    const url = base + "vary";
    await cache.put(new Request(url, { headers: { "accept-language": "fr" } }),
                    new Response("bonjour", { headers: { vary: "Accept-Language" } }));
    equal(await (await cache.match(new Request(url, { headers: { "accept-language": "fr" } }))).text(), "bonjour");
    equal(await cache.match(new Request(url, { headers: { "accept-language": "en" } })), undefined);
    equal(await cache.match(url), undefined);
  },
};

export const revalidation = {
  async test() {
    const cache = caches.default;
    const url = base + "etag";
    await cache.put(url, new Response("tagged", {
      headers: { etag: "\"v1\"", "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT" },
    }));
    let r = await cache.match(new Request(url, { headers: { "if-none-match": "\"v1\"" } }));
    equal(r.status, 304);
    equal(r.headers.get("etag"), "\"v1\"");
    equal(await r.text(), "");
    r = await cache.match(new Request(url, { headers: { "if-none-match": "W/\"v0\", \"v1\"" } }));
    equal(r.status, 304);
    r = await cache.match(new Request(url, { headers: { "if-none-match": "\"v2\"" } }));
    equal(r.status, 200);
    equal(await r.text(), "tagged");
    r = await cache.match(new Request(url, { headers: { "if-modified-since": "Wed, 21 Oct 2015 07:28:00 GMT" } }));
    equal(r.status, 304);
    r = await cache.match(new Request(url, { headers: { "if-modified-since": "Tue, 20 Oct 2015 07:28:00 GMT" } }));
    equal(r.status, 200);
  },
};

export const ranges = {
  async test() {
    const cache = caches.default;
    const url = base + "range";
    await cache.put(url, new Response("0123456789"));
    let r = await cache.match(new Request(url, { headers: { range: "bytes=2-4" } }));
    equal(r.status, 206);
    equal(r.headers.get("content-range"), "bytes 2-4/10");
    equal(await r.text(), "234");
    r = await cache.match(new Request(url, { headers: { range: "bytes=-3" } }));
    equal(await r.text(), "789");
    r = await cache.match(new Request(url, { headers: { range: "bytes=8-" } }));
    equal(r.headers.get("content-range"), "bytes 8-9/10");
    equal(await r.text(), "89");
    r = await cache.match(new Request(url, { headers: { range: "bytes=20-30" } }));
    equal(r.status, 416);
    equal(r.headers.get("content-range"), "bytes */10");
    r = await cache.match(new Request(url, { headers: { range: "bytes=0-1,3-4" } }));
    equal(r.status, 200);
    equal(await r.text(), "0123456789");
  },
};

export const binaryAndStreams = {
  async test() {
    const cache = caches.default;
    const bytes = new Uint8Array(70000).map((_, i) => i % 251);
    const stream = new ReadableStream({
      start(c) { c.enqueue(bytes.slice(0, 30000)); c.enqueue(bytes.slice(30000)); c.close(); },
    });
    await cache.put(base + "bin", new Response(stream));
    const got = new Uint8Array(await (await cache.match(base + "bin")).arrayBuffer());
    deepEqual(got.length, bytes.length);
    ok(got.every((v, i) => v === bytes[i]));
  },
};
