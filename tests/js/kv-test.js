// The KV API against a backend. kv-test.wd-test binds KV to kv-backend.js, a worker speaking
// workerd's KV protocol (so this suite runs on workerd too); tests/integration/test_kv.py runs
// the same tests against Colony's local backend (a disk service).
import { ok, equal, deepEqual, rejects } from "assert.js";

async function clear(kv) {
  for (const { name } of (await kv.list()).keys) await kv.delete(name);
}

export const getPutDelete = {
  async test(ctrl, env) {
    const kv = env.KV;
    await clear(kv);
    equal(await kv.get("missing"), null);
    await kv.put("a", "alpha");
    equal(await kv.get("a"), "alpha");
    equal(await kv.get("a", "text"), "alpha");
    equal(await kv.get("a", { type: "text" }), "alpha");
    await kv.put("j", JSON.stringify({ x: [1, 2] }));
    deepEqual(await kv.get("j", "json"), { x: [1, 2] });
    await kv.put("b", new Uint8Array([1, 2, 255]));
    const buf = await kv.get("b", "arrayBuffer");
    ok(buf instanceof ArrayBuffer);
    deepEqual([...new Uint8Array(buf)], [1, 2, 255]);
    const stream = await kv.get("a", "stream");
    equal(await new Response(stream).text(), "alpha");
    await kv.put("s", new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("streamed")); c.close(); } }));
    equal(await kv.get("s"), "streamed");
    await kv.put("a", "replaced");
    equal(await kv.get("a"), "replaced");
    equal(await kv.delete("a"), undefined);
    equal(await kv.get("a"), null);
    await kv.delete("never-there");
    await kv.put("key with spaces/and?odd#chars%", "odd");
    equal(await kv.get("key with spaces/and?odd#chars%"), "odd");
  },
};

export const metadata = {
  async test(ctrl, env) {
    const kv = env.KV;
    await kv.put("m", "value", { metadata: { owner: "me", n: 3 } });
    deepEqual(await kv.getWithMetadata("m"), { value: "value", metadata: { owner: "me", n: 3 }, cacheStatus: null });
    await kv.put("nometa", "v");
    deepEqual(await kv.getWithMetadata("nometa"), { value: "v", metadata: null, cacheStatus: null });
    deepEqual(await kv.getWithMetadata("missing-m"), { value: null, metadata: null, cacheStatus: null });
    const jsonMeta = await kv.getWithMetadata("m", "arrayBuffer");
    equal(new TextDecoder().decode(jsonMeta.value), "value");
  },
};

export const validation = {
  async test(ctrl, env) {
    const kv = env.KV;
    equal((await rejects(kv.get(""), TypeError)).message, "Key name cannot be empty.");
    equal((await rejects(kv.put(".", "x"), TypeError)).message, "\".\" is not allowed as a key name.");
    equal((await rejects(kv.delete(".."), TypeError)).message, "\"..\" is not allowed as a key name.");
    equal((await rejects(kv.get("k".repeat(513)), Error)).message,
          "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.");
    equal(await kv.get("missing", "xml"), null);  // the type is only checked for a value
    await kv.put("a", "x");
    equal((await rejects(kv.get("a", "xml"), TypeError)).message,
          "Unknown response type. Possible types are \"text\", \"arrayBuffer\", \"json\", and \"stream\".");
    await kv.put("n", 12);
    equal(await kv.get("n"), "12");
    equal((await rejects(kv.put("a", {}), TypeError)).message,
          "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.");
  },
};

export const listing = {
  async test(ctrl, env) {
    const kv = env.KV;
    await clear(kv);
    for (const name of ["p:3", "p:1", "q:1", "p:2"]) await kv.put(name, name, { metadata: { name } });
    const all = await kv.list();
    deepEqual(all.keys.map((k) => k.name), ["p:1", "p:2", "p:3", "q:1"]);
    equal(all.list_complete, true);
    deepEqual(all.keys[0].metadata, { name: "p:1" });
    const p = await kv.list({ prefix: "p:" });
    deepEqual(p.keys.map((k) => k.name), ["p:1", "p:2", "p:3"]);
    const page1 = await kv.list({ prefix: "p:", limit: 2 });
    deepEqual(page1.keys.map((k) => k.name), ["p:1", "p:2"]);
    equal(page1.list_complete, false);
    ok(typeof page1.cursor === "string" && page1.cursor.length > 0);
    const page2 = await kv.list({ prefix: "p:", limit: 2, cursor: page1.cursor });
    deepEqual(page2.keys.map((k) => k.name), ["p:3"]);
    equal(page2.list_complete, true);
  },
};

export const expiration = {
  async test(ctrl, env) {
    const kv = env.KV;
    const now = Math.floor(Date.now() / 1000);
    await kv.put("ttl", "x", { expirationTtl: 300 });
    const listed = (await kv.list({ prefix: "ttl" })).keys[0];
    ok(listed.expiration >= now + 299 && listed.expiration <= now + 302, `expiration ${listed.expiration}`);
    await kv.put("at", "y", { expiration: now + 600 });
    equal((await kv.list({ prefix: "at" })).keys[0].expiration, now + 600);
    equal(await kv.get("at"), "y");
    await rejects(kv.put("short", "x", { expirationTtl: 10 }), Error);
  },
};
