import { ok, equal, deepEqual, rejects } from "assert.js";

const base = "http://cache-outbound.example/";

async function received(env) {
  const response = await env.CACHE_SERVICE.fetch("http://log.example/__log");
  return await response.json();
}

// "HTTP/1.1 201 Created\r\nname: value\r\n...\r\n\r\nbody" -> {status, reason, headers, body}.
function parseSerialized(text) {
  const end = text.indexOf("\r\n\r\n");
  ok(end > 0, `no end of head in ${JSON.stringify(text)}`);
  const lines = text.slice(0, end).split("\r\n");
  const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(lines[0]);
  ok(m !== null, `bad status line ${JSON.stringify(lines[0])}`);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(m[1]), reason: m[2], headers, body: text.slice(end + 4) };
}

export const putSendsTheSerializedResponse = {
  async test(ctrl, env) {
    await received(env);
    const result = await caches.default.put(
      new Request(base + "a?x=1", { headers: { "X-Req": "r1" } }),
      new Response("body-a", { status: 201, headers: { "Cache-Control": "max-age=60", "X-H": "1" } }));
    equal(result, undefined);
    const log = await received(env);
    equal(log.length, 1);
    equal(log[0].method, "PUT");
    equal(log[0].url, base + "a?x=1");
    equal(log[0].headers["x-req"], "r1");
    equal(log[0].headers["cf-cache-namespace"], undefined);
    const sent = parseSerialized(log[0].body);
    equal(sent.status, 201);
    equal(sent.reason, "Created");
    equal(sent.headers["content-length"], "6");
    equal(sent.headers["cache-control"], "max-age=60");
    equal(sent.headers["x-h"], "1");
    equal(sent.body, "body-a");

    // The service decides what to keep: an uncacheable response is sent too, and a refusal is
    // not an error.
    await caches.default.put(base + "refused", new Response("x", { headers: { "Cache-Control": "no-store" } }));
    const refused = await received(env);
    equal(refused.length, 1);
    equal(parseSerialized(refused[0].body).headers["cache-control"], "no-store");
  },
};

export const namedCachesSendTheirName = {
  async test(ctrl, env) {
    await received(env);
    const cache = await caches.open("pages");
    await cache.put(base + "b", new Response("body-b"));
    equal(await cache.match(base + "miss"), undefined);
    equal(await cache.delete(base + "miss"), false);
    const log = await received(env);
    deepEqual(log.map((r) => r.method), ["PUT", "GET", "PURGE"]);
    for (const r of log) equal(r.headers["cf-cache-namespace"], "pages");
  },
};

export const matchIsAGetOnlyIfCached = {
  async test(ctrl, env) {
    await received(env);
    const hit = await caches.default.match(new Request(base + "hit", { headers: { Range: "bytes=0-3" } }));
    ok(hit instanceof Response);
    equal(hit.status, 200);
    equal(hit.headers.get("x-from"), "cache-service");
    equal(hit.headers.get("cf-cache-status"), "HIT");
    equal(await hit.text(), "cached body");
    const log = await received(env);
    equal(log.length, 1);
    equal(log[0].method, "GET");
    equal(log[0].url, base + "hit");
    equal(log[0].headers["cache-control"], "only-if-cached");
    equal(log[0].headers["range"], "bytes=0-3");
    equal(log[0].body, null);

    // Only CF-Cache-Status: HIT is a hit.
    equal(await caches.default.match(base + "miss"), undefined);
    equal(await caches.default.match(base + "no-status"), undefined);
    equal(await caches.default.match(base + "expired"), undefined);
    equal((await received(env)).length, 3);
  },
};

export const deleteIsAPurge = {
  async test(ctrl, env) {
    await received(env);
    equal(await caches.default.delete(base + "hit"), true);
    equal(await caches.default.delete(base + "gone"), false);
    const log = await received(env);
    deepEqual(log.map((r) => [r.method, r.url]), [["PURGE", base + "hit"], ["PURGE", base + "gone"]]);
  },
};

export const methodsOtherThanGet = {
  async test(ctrl, env) {
    await received(env);
    const post = new Request(base + "hit", { method: "POST", body: "x" });
    equal(await caches.default.match(post), undefined);
    equal(await caches.default.delete(new Request(base + "hit", { method: "POST" })), false);
    await rejects(caches.default.put(new Request(base + "p", { method: "POST" }), new Response("x")),
                  TypeError);
    equal((await received(env)).length, 0, "nothing is sent for a non-GET request");
    // ignoreMethod: sent as GET / PURGE.
    const hit = await caches.default.match(new Request(base + "hit", { method: "POST" }), { ignoreMethod: true });
    equal(hit.status, 200);
    await hit.text();
    equal(await caches.default.delete(new Request(base + "hit", { method: "POST" }), { ignoreMethod: true }), true);
    deepEqual((await received(env)).map((r) => r.method), ["GET", "PURGE"]);
  },
};
