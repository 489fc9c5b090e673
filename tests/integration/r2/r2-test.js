// R2 bindings on Colony's local backend (a disk service); run by test_r2.py.
import { ok, equal, deepEqual, rejects } from "assert.js";

async function clear(bucket) {
  const listed = await bucket.list();
  await bucket.delete(listed.objects.map((o) => o.key));
}

export const putGetHeadDelete = {
  async test(ctrl, env) {
    const b = env.BUCKET;
    await clear(b);
    equal(await b.get("missing"), null);
    equal(await b.head("missing"), null);
    const put = await b.put("a/b.txt", "hello r2", {
      httpMetadata: { contentType: "text/plain", cacheControl: "max-age=60" },
      customMetadata: { owner: "me" },
    });
    equal(put.key, "a/b.txt");
    equal(put.size, 8);
    equal(put.etag, "a9a3a684daaff3d845f37f1b7eae1ddf");
    equal(put.httpEtag, `"${put.etag}"`);
    ok(put.uploaded instanceof Date);
    const got = await b.get("a/b.txt");
    equal(await got.text(), "hello r2");
    equal(got.etag, put.etag);
    deepEqual(got.httpMetadata, { contentType: "text/plain", cacheControl: "max-age=60" });
    deepEqual(got.customMetadata, { owner: "me" });
    const headers = new Headers();
    got.writeHttpMetadata(headers);
    equal(headers.get("content-type"), "text/plain");
    const head = await b.head("a/b.txt");
    equal(head.size, 8);
    equal(head.body, undefined);
    await b.put("bin", new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    deepEqual([...new Uint8Array(await (await b.get("bin")).arrayBuffer())], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await b.delete("a/b.txt");
    equal(await b.get("a/b.txt"), null);
  },
};

export const ranges = {
  async test(ctrl, env) {
    const b = env.BUCKET;
    await b.put("r", "0123456789");
    equal(await (await b.get("r", { range: { offset: 2, length: 3 } })).text(), "234");
    equal(await (await b.get("r", { range: { offset: 7 } })).text(), "789");
    equal(await (await b.get("r", { range: { suffix: 2 } })).text(), "89");
    const r = await b.get("r", { range: new Headers({ range: "bytes=1-2" }) });
    equal(await r.text(), "12");
    deepEqual(r.range, { offset: 1, length: 2 });
  },
};

export const conditionals = {
  async test(ctrl, env) {
    const b = env.BUCKET;
    const put = await b.put("c", "v1");
    const hit = await b.get("c", { onlyIf: { etagMatches: put.etag } });
    equal(await hit.text(), "v1");
    const miss = await b.get("c", { onlyIf: { etagDoesNotMatch: put.etag } });
    ok(miss !== null && !("body" in miss && miss.body));
    equal(await b.put("c", "v2", { onlyIf: { etagMatches: "nope" } }), null);
    equal(await (await b.get("c")).text(), "v1");
    ok(await b.put("c", "v2", { onlyIf: new Headers({ "if-match": `"${put.etag}"` }) }));
    equal(await (await b.get("c")).text(), "v2");
  },
};

export const listing = {
  async test(ctrl, env) {
    const b = env.BUCKET;
    await clear(b);
    for (const key of ["p/1", "p/2", "p/sub/3", "q"]) await b.put(key, key, { customMetadata: { k: key } });
    const all = await b.list();
    deepEqual(all.objects.map((o) => o.key), ["p/1", "p/2", "p/sub/3", "q"]);
    equal(all.truncated, false);
    const grouped = await b.list({ prefix: "p/", delimiter: "/" });
    deepEqual(grouped.objects.map((o) => o.key), ["p/1", "p/2"]);
    deepEqual(grouped.delimitedPrefixes, ["p/sub/"]);
    const page = await b.list({ limit: 2, include: ["customMetadata"] });
    deepEqual(page.objects.map((o) => o.key), ["p/1", "p/2"]);
    deepEqual(page.objects[0].customMetadata, { k: "p/1" });
    equal(page.truncated, true);
    const rest = await b.list({ cursor: page.cursor });
    deepEqual(rest.objects.map((o) => o.key), ["p/sub/3", "q"]);
  },
};

// `bytes` as a ReadableStream of `chunk`-byte chunks.
function streamOf(bytes, chunk) {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

function patterned(size, seed) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + seed + (i >> 13)) & 255;
  return bytes;
}

async function hexDigest(algorithm, bytes) {
  return [...new Uint8Array(await crypto.subtle.digest(algorithm, bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Values given as streams are read a piece at a time by the disk backend (test_r2.py checks that
// no spool is left behind and that a large upload does not take its size in memory).
export const streamedValues = {
  async test(ctrl, env) {
    const b = env.BUCKET;
    await clear(b);
    // Longer than two of the backend's 8 MiB pieces, in chunks that straddle their boundaries.
    const big = patterned(2 * 8 * 1024 * 1024 + 12345, 1);
    const put = await b.put("streamed", streamOf(big, 1000003), { sha256: await hexDigest("SHA-256", big) });
    equal(put.size, big.byteLength);
    equal(put.etag, await hexDigest("MD5", big));
    const got = await b.get("streamed");
    equal(got.size, big.byteLength);
    equal(await hexDigest("SHA-256", await got.arrayBuffer()), await hexDigest("SHA-256", big));
    const tail = await b.get("streamed", { range: { offset: big.byteLength - 5 } });
    deepEqual([...new Uint8Array(await tail.arrayBuffer())], [...big.subarray(big.byteLength - 5)]);
    // Short and empty streams.
    await b.put("short", streamOf(new TextEncoder().encode("a short value"), 3));
    equal(await (await b.get("short")).text(), "a short value");
    await b.put("empty", new ReadableStream({ start(c) { c.close(); } }));
    equal((await b.head("empty")).size, 0);
    // A checksum that does not match, a stream of text and a stream that fails: nothing stored.
    await rejects(b.put("bad", streamOf(big, 1 << 20), { sha256: "00".repeat(32) }), Error);
    equal(await b.head("bad"), null);
    await rejects(b.put("text", new ReadableStream({ start(c) { c.enqueue("text"); c.close(); } })), TypeError);
    equal(await b.head("text"), null);
    let sent = 0;
    const failing = new ReadableStream({
      pull(controller) {
        if (sent >= 9 * 1024 * 1024) return controller.error(new RangeError("the source broke"));
        controller.enqueue(new Uint8Array(1024 * 1024));
        sent += 1024 * 1024;
      },
    });
    const broke = await rejects(b.put("broken", failing), RangeError);
    equal(broke.message, "the source broke");
    equal(await b.head("broken"), null);
    // A condition checked before the stream is read leaves it unread.
    equal(await b.put("short", streamOf(big, 1 << 20), { onlyIf: { etagDoesNotMatch: (await b.head("short")).etag } }), null);
    equal(await (await b.get("short")).text(), "a short value");
    // Multipart parts given as streams.
    const first = patterned(env.MIN_PART, 2);
    const second = patterned(1000, 3);
    const upload = await b.createMultipartUpload("multi");
    const p1 = await upload.uploadPart(1, streamOf(first, 65536));
    const p2 = await upload.uploadPart(2, streamOf(second, 7));
    const object = await upload.complete([p1, p2]);
    equal(object.size, first.byteLength + second.byteLength);
    const whole = new Uint8Array(await (await b.get("multi")).arrayBuffer());
    const expected = new Uint8Array(first.byteLength + second.byteLength);
    expected.set(first);
    expected.set(second, first.byteLength);
    equal(await hexDigest("SHA-256", whole), await hexDigest("SHA-256", expected));
  },
};
