// The R2 API against a backend: r2-protocol-test.wd-test binds BUCKET to tests/js/r2-backend.js, a
// worker speaking workerd's R2 binding protocol (so this suite runs on workerd too);
// tests/integration/test_r2.py runs it against Colony's local backend (a disk service). MIN_PART
// is the backend's minimum size of a multipart part (all but the last).
import { ok, equal, deepEqual, rejects } from "assert.js";

export const putGetHeadDelete = {
  async test(ctrl, env) {
    const b = env.BUCKET;
    equal(await b.get("missing"), null);
    equal(await b.head("missing"), null);
    const put = await b.put("a/b.txt", "hello r2", {
      httpMetadata: { contentType: "text/plain", cacheExpiry: new Date(1700000000000) },
      customMetadata: { owner: "me" },
    });
    equal(put.key, "a/b.txt");
    equal(put.size, 8);
    equal(put.etag, "a9a3a684daaff3d845f37f1b7eae1ddf");
    equal(put.httpEtag, `"${put.etag}"`);
    deepEqual(JSON.parse(JSON.stringify(put.checksums)), { md5: put.etag });
    ok(put.checksums.md5 instanceof ArrayBuffer);
    equal(typeof put.storageClass, "string");
    ok(put.uploaded instanceof Date);
    deepEqual(put.customMetadata, { owner: "me" });
    equal(put.httpMetadata.cacheExpiry.getTime(), 1700000000000);
    const got = await b.get("a/b.txt");
    equal(await got.text(), "hello r2");
    equal(got.version, put.version);
    deepEqual(got.range, { offset: 0, length: 8 });
    equal(got.httpMetadata.contentType, "text/plain");
    deepEqual(got.customMetadata, { owner: "me" });
    const headers = new Headers();
    got.writeHttpMetadata(headers);
    equal(headers.get("content-type"), "text/plain");
    equal(headers.get("expires"), new Date(1700000000000).toUTCString());
    const head = await b.head("a/b.txt");
    equal(head.size, 8);
    ok(!("body" in head));
    await b.put("bin", new Uint8Array([0, 1, 2, 250]));
    deepEqual([...new Uint8Array(await (await b.get("bin")).arrayBuffer())], [0, 1, 2, 250]);
    await b.put("blob", new Blob(["from a blob"]));
    equal(await (await b.get("blob")).text(), "from a blob");
    await b.delete("a/b.txt");
    equal(await b.get("a/b.txt"), null);
    await b.delete(["bin", "blob", "never-there"]);
    equal(await b.head("bin"), null);
  },
};

export const rangesAndConditions = {
  async test(ctrl, env) {
    const b = env.BUCKET;
    const put = await b.put("r", "0123456789");
    equal(await (await b.get("r", { range: { offset: 2, length: 3 } })).text(), "234");
    equal(await (await b.get("r", { range: { offset: 7 } })).text(), "789");
    const suffix = await b.get("r", { range: { suffix: 2 } });
    equal(await suffix.text(), "89");
    deepEqual(suffix.range, { offset: 8, length: 2 });
    equal(await (await b.get("r", { range: new Headers({ range: "bytes=1-2" }) })).text(), "12");
    let err = await rejects(b.get("r", { range: { offset: -1 } }), RangeError);
    equal(err.message, "Invalid range. Starting offset (-1) must be greater than or equal to 0.");
    err = await rejects(b.get("r", { range: { suffix: 2, offset: 1 } }), TypeError);
    equal(err.message, "Suffix is incompatible with offset.");
    err = await rejects(b.get("r", { range: { offset: 20 } }), Error);
    equal(err.message, "get: The requested range is not satisfiable (10039)");

    equal(await (await b.get("r", { onlyIf: { etagMatches: put.etag } })).text(), "0123456789");
    const miss = await b.get("r", { onlyIf: { etagDoesNotMatch: put.etag } });
    ok(miss !== null && !("body" in miss));
    equal(miss.etag, put.etag);
    const missByHeader = await b.get("r", { onlyIf: new Headers({ "if-none-match": `"${put.etag}"` }) });
    ok(!("body" in missByHeader));
    err = await rejects(b.get("r", { onlyIf: { etagMatches: `"${put.etag}"` } }), TypeError);
    equal(err.message, `Conditional ETag should not be wrapped in quotes ("${put.etag}").`);
    equal(await b.put("r", "v2", { onlyIf: { etagMatches: "nope" } }), null);
    equal(await (await b.get("r")).text(), "0123456789");
    ok(await b.put("r", "v2", { onlyIf: new Headers({ "if-match": `"${put.etag}"` }) }));
    equal(await (await b.get("r")).text(), "v2");
  },
};

export const checksums = {
  async test(ctrl, env) {
    const b = env.BUCKET;
    ok(await b.put("m", "hello", { md5: "5d41402abc4b2a76b9719d911017c592" }));
    let err = await rejects(b.put("m", "hello", { md5: "00000000000000000000000000000000" }), Error);
    equal(err.message, "put: The Content-MD5 you specified did not match what we received. (10037)");
    err = await rejects(b.put("m", "hello", { md5: "abc" }), TypeError);
    equal(err.message, "MD5 is 32 hex characters, not 3");
    err = await rejects(b.put("m", "hello", { md5: new Uint8Array(3) }), TypeError);
    equal(err.message, "MD5 is 16 bytes, not 3");
    err = await rejects(b.put("m", "x", { md5: "5d41402abc4b2a76b9719d911017c592", sha1: "0".repeat(40) }), TypeError);
    equal(err.message, "You cannot specify multiple hashing algorithms.");
  },
};

export const listing = {
  async test(ctrl, env) {
    const b = env.BUCKET;
    const existing = await b.list();
    await b.delete(existing.objects.map((o) => o.key));
    for (const key of ["p/1", "p/2", "p/sub/3", "q"]) {
      await b.put(key, key, { customMetadata: { k: key }, httpMetadata: { contentType: "text/x" } });
    }
    const all = await b.list();
    deepEqual(all.objects.map((o) => o.key), ["p/1", "p/2", "p/sub/3", "q"]);
    equal(all.truncated, false);
    equal(all.objects[0].httpMetadata, undefined);
    equal(all.objects[0].customMetadata, undefined);
    const err = await rejects(async () => all.objects[0].writeHttpMetadata(new Headers()), TypeError);
    equal(err.message, "HTTP metadata unknown for key `p/1`. Did you forget to add 'httpMetadata' to `include` when listing?");
    const grouped = await b.list({ prefix: "p/", delimiter: "/" });
    deepEqual(grouped.objects.map((o) => o.key), ["p/1", "p/2"]);
    deepEqual(grouped.delimitedPrefixes, ["p/sub/"]);
    const page = await b.list({ limit: 2, include: ["customMetadata", "httpMetadata"] });
    deepEqual(page.objects.map((o) => o.key), ["p/1", "p/2"]);
    deepEqual(page.objects[0].customMetadata, { k: "p/1" });
    deepEqual(page.objects[1].httpMetadata, { contentType: "text/x" });
    equal(page.truncated, true);
    const rest = await b.list({ cursor: page.cursor });
    deepEqual(rest.objects.map((o) => o.key), ["p/sub/3", "q"]);
    deepEqual((await b.list({ startAfter: "p/2" })).objects.map((o) => o.key), ["p/sub/3", "q"]);
    await rejects(b.list({ include: ["everything"] }), RangeError);
  },
};

export const multipart = {
  async test(ctrl, env) {
    const b = env.BUCKET;
    const min = env.MIN_PART;
    const upload = await b.createMultipartUpload("big", {
      httpMetadata: { contentType: "application/x-big" }, customMetadata: { parts: "3" },
    });
    equal(upload.key, "big");
    ok(typeof upload.uploadId === "string" && upload.uploadId.length > 0);
    const p3 = await upload.uploadPart(3, "tail");
    const p1 = await upload.uploadPart(1, new Uint8Array(min).fill(0x61));
    // Resumed from the key and id alone, as another request would.
    const resumed = b.resumeMultipartUpload("big", upload.uploadId);
    equal(resumed.uploadId, upload.uploadId);
    const p2 = await resumed.uploadPart(2, "b".repeat(min));
    deepEqual(Object.keys(p2).sort(), ["etag", "partNumber"]);
    equal(p2.partNumber, 2);
    const object = await resumed.complete([p3, p1, p2]);
    equal(object.key, "big");
    equal(object.size, 2 * min + 4);
    ok(/^[0-9a-f]{32}-3$/.test(object.etag), object.etag);
    const got = await b.get("big");
    equal(await got.text(), "a".repeat(min) + "b".repeat(min) + "tail");
    equal(got.httpMetadata.contentType, "application/x-big");
    deepEqual(got.customMetadata, { parts: "3" });
    equal(got.etag, object.etag);

    let err = await rejects(b.resumeMultipartUpload("big", "no-such-upload").uploadPart(1, "x"), Error);
    equal(err.message, "uploadPart: The specified multipart upload does not exist. (10024)");
    err = await rejects(upload.uploadPart(0, "x"), TypeError);
    equal(err.message, "Part number must be between 1 and 10000 (inclusive). Actual value was: 0");
    err = await rejects(upload.uploadPart(10001, "x"), TypeError);
    equal(err.message, "Part number must be between 1 and 10000 (inclusive). Actual value was: 10001");

    const small = await b.createMultipartUpload("small");
    const s1 = await small.uploadPart(1, "ab");
    const s2 = await small.uploadPart(2, "cd");
    err = await rejects(small.complete([s1, s2]), Error);
    equal(err.message, "completeMultipartUpload: Your proposed upload is smaller than the minimum allowed object size. (10011)");
    err = await rejects(small.complete([{ partNumber: 1, etag: "wrong" }]), Error);
    equal(err.message, "completeMultipartUpload: One or more of the specified parts could not be found. (10025)");
    await small.abort();
    err = await rejects(small.uploadPart(3, "ef"), Error);
    equal(err.message, "uploadPart: The specified multipart upload does not exist. (10024)");
    err = await rejects(small.complete([s1]), Error);
    equal(err.message, "completeMultipartUpload: The specified multipart upload does not exist. (10024)");
    err = await rejects(small.abort(), Error);
    equal(err.message, "abortMultipartUpload: The specified multipart upload does not exist. (10024)");
    equal(await b.head("small"), null);
  },
};
