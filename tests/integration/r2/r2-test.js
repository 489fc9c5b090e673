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
