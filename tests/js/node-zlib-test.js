// node:zlib: sync, callback and stream forms of deflate/inflate/gzip/raw/unzip and brotli, options,
// constants, crc32 and error paths. Expected bytes come from zlib itself (same library, same
// default parameters), so any correct binding produces them.
import assert from "node:assert";
import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import { pipeline } from "node:stream/promises";
import { Readable, Writable } from "node:stream";
import { promisify } from "node:util";

const hello = Buffer.from("hello");

export const syncForms = {
  test() {
    assert.strictEqual(zlib.deflateSync("hello").toString("hex"), "789ccb48cdc9c90700062c0215");
    assert.strictEqual(zlib.deflateRawSync(hello, { level: 9 }).toString("hex"), "cb48cdc9c90700");
    assert.strictEqual(zlib.gzipSync(hello).toString("hex"), "1f8b0800000000000003cb48cdc9c9070086a6103605000000");
    assert.strictEqual(zlib.inflateSync(Buffer.from("789ccb48cdc9c90700062c0215", "hex")).toString(), "hello");
    assert.strictEqual(zlib.inflateRawSync(Buffer.from("cb48cdc9c90700", "hex")).toString(), "hello");
    assert.strictEqual(zlib.gunzipSync(Buffer.from("1f8b0800000000000003cb48cdc9c9070086a6103605000000", "hex")).toString(), "hello");
    // unzip detects gzip and zlib headers
    assert.strictEqual(zlib.unzipSync(zlib.gzipSync("from gzip")).toString(), "from gzip");
    assert.strictEqual(zlib.unzipSync(zlib.deflateSync("from zlib")).toString(), "from zlib");

    // round trips with options, large input and typed-array/ArrayBuffer inputs
    const big = Buffer.alloc(300000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    for (const level of [0, 1, 6, 9]) {
      const packed = zlib.deflateSync(big, { level, memLevel: 9, strategy: zlib.constants.Z_FILTERED });
      assert.ok(zlib.inflateSync(packed).equals(big));
    }
    const small = zlib.gzipSync(big, { windowBits: 9, chunkSize: 1024 });
    assert.ok(zlib.gunzipSync(small).equals(big));
    assert.ok(zlib.deflateSync(Buffer.alloc(100000)).length < 200);
    const u8 = new Uint8Array([1, 2, 3]);
    assert.deepStrictEqual([...zlib.inflateSync(zlib.deflateSync(u8))], [1, 2, 3]);
    assert.deepStrictEqual([...zlib.inflateSync(zlib.deflateSync(u8.buffer))], [1, 2, 3]);

    // concatenated gzip members decode as one stream
    const two = Buffer.concat([zlib.gzipSync("ab"), zlib.gzipSync("cd")]);
    assert.strictEqual(zlib.gunzipSync(two).toString(), "abcd");

    // brotli
    const text = "brotli ".repeat(1000);
    const br = zlib.brotliCompressSync(text);
    assert.ok(br.length < 100);
    assert.strictEqual(zlib.brotliDecompressSync(br).toString(), text);
    const brFast = zlib.brotliCompressSync(text, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT },
    });
    assert.strictEqual(zlib.brotliDecompressSync(brFast).toString(), text);
    assert.ok(zlib.brotliDecompressSync(zlib.brotliCompressSync(big, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 },
    })).equals(big));

    // dictionaries
    const dictionary = Buffer.from("a shared dictionary of words");
    const withDict = zlib.deflateSync("words of a dictionary", { dictionary });
    assert.strictEqual(zlib.inflateSync(withDict, { dictionary }).toString(), "words of a dictionary");
    assert.throws(() => zlib.inflateSync(withDict), { message: "Missing dictionary" });
  },
};

export const errors = {
  test() {
    assert.throws(() => zlib.inflateSync(Buffer.from("not compressed")), { message: "incorrect header check" });
    assert.throws(() => zlib.gunzipSync(Buffer.from("789ccb48cdc9c90700062c0215", "hex")), { message: "incorrect header check" });
    const truncated = zlib.gzipSync("some text that will be cut").subarray(0, 12);
    assert.throws(() => zlib.gunzipSync(truncated), { message: "unexpected end of file" });
    assert.throws(() => zlib.brotliDecompressSync(Buffer.from([0xff, 0xff, 0xff, 0xff])), (e) => e instanceof Error);
    assert.throws(() => zlib.deflateSync(42), { name: "TypeError" });
    assert.throws(() => zlib.deflateSync("x", { level: 10 }), {
      name: "RangeError", message: 'The value of "options.level" is out of range. It must be >= -1 and <= 9. Received 10' });
    assert.throws(() => zlib.deflateSync("x", { windowBits: 16 }), { name: "RangeError" });
    assert.throws(() => zlib.deflateSync("x", { memLevel: 0 }), { name: "RangeError" });
    assert.throws(() => zlib.deflateSync("x", { strategy: 5 }), (e) => e instanceof Error);
    assert.throws(() => zlib.createGzip({ chunkSize: 10 }), { code: "ERR_OUT_OF_RANGE" });
    assert.throws(() => zlib.brotliCompressSync("x", { params: { 1000: 1 } }), (e) => e instanceof Error);
    assert.throws(() => zlib.inflateSync(zlib.deflateSync(Buffer.alloc(1000)), { maxOutputLength: 100 }),
      { name: "RangeError" });
  },
};

export const callbacks = {
  async test() {
    const gz = await new Promise((resolve, reject) => {
      let sync = true;
      zlib.gzip("callback data", (err, result) => {
        assert.strictEqual(sync, false); // never synchronous
        if (err) reject(err); else resolve(result);
      });
      sync = false;
    });
    const back = await promisify(zlib.gunzip)(gz);
    assert.strictEqual(back.toString(), "callback data");
    const withOpts = await promisify(zlib.deflateRaw)("opts", { level: 1 });
    assert.strictEqual(zlib.inflateRawSync(withOpts).toString(), "opts");
    const err = await new Promise((resolve) => zlib.inflate(Buffer.from("garbage!"), (e) => resolve(e)));
    assert.strictEqual(err.message, "incorrect header check");
    const br = await promisify(zlib.brotliCompress)("brotli callback");
    assert.strictEqual((await promisify(zlib.brotliDecompress)(br)).toString(), "brotli callback");
  },
};

async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

export const streams = {
  async test() {
    const gzip = zlib.createGzip();
    assert.ok(gzip instanceof zlib.Gzip);
    const parts = ["stream ", "of ", "several ", "parts"];
    const out = [];
    await pipeline(Readable.from(parts.map((p) => Buffer.from(p))), gzip, zlib.createGunzip(),
      new Writable({ write(chunk, enc, cb) { out.push(chunk); cb(); } }));
    assert.strictEqual(Buffer.concat(out).toString(), parts.join(""));

    // a deflate stream's output inflates with the sync API; bytesWritten counts input
    const d = zlib.createDeflate({ level: 9 });
    d.write("abc");
    d.end("def");
    const packed = await collect(d);
    assert.strictEqual(zlib.inflateSync(packed).toString(), "abcdef");
    assert.strictEqual(d.bytesWritten, 6);

    // flush() emits everything written so far without ending the stream
    const live = zlib.createDeflateRaw();
    const got = [];
    live.on("data", (c) => got.push(c));
    live.write("partial");
    await new Promise((resolve) => live.flush(resolve));
    assert.strictEqual(zlib.inflateRawSync(Buffer.concat(got), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString(), "partial");
    live.end();
    await new Promise((resolve) => live.on("end", resolve));

    // brotli streams
    const br = zlib.createBrotliCompress();
    br.end("brotli stream");
    const brBytes = await collect(br);
    const unbr = zlib.createBrotliDecompress();
    unbr.end(brBytes);
    assert.strictEqual((await collect(unbr)).toString(), "brotli stream");

    // bad input errors the stream
    const bad = zlib.createInflate();
    const error = await new Promise((resolve) => {
      bad.on("error", resolve);
      bad.end(Buffer.from("definitely not zlib"));
      bad.resume();
    });
    assert.strictEqual(error.message, "incorrect header check");

    // input that ends early is an error when the stream ends
    const cut = zlib.createGunzip();
    const cutError = await new Promise((resolve) => {
      cut.on("error", resolve);
      cut.resume();
      cut.end(zlib.gzipSync("a longer text that gets cut short").subarray(0, 15));
    });
    assert.strictEqual(cutError.message, "unexpected end of file");
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.strictEqual(bad.destroyed, true);
  },
};

export const constantsAndCrc = {
  test() {
    assert.strictEqual(zlib.constants.Z_OK, 0);
    assert.strictEqual(zlib.constants.Z_FINISH, 4);
    assert.strictEqual(zlib.constants.Z_BEST_COMPRESSION, 9);
    assert.strictEqual(zlib.constants.GUNZIP, 4);
    assert.strictEqual(zlib.constants.BROTLI_PARAM_QUALITY, 1);
    assert.strictEqual(zlib.constants.BROTLI_OPERATION_FINISH, 2);
    assert.strictEqual(zlib.Z_SYNC_FLUSH, 2);
    assert.strictEqual(zlib.codes.Z_DATA_ERROR, -3);
    assert.strictEqual(zlib.codes["-3"], "Z_DATA_ERROR");
    assert.strictEqual(zlib.crc32("hello"), 0x3610a686);
    assert.strictEqual(zlib.crc32(Buffer.from("hello world")), 222957957);
    assert.strictEqual(zlib.crc32("world", zlib.crc32("hello ")), 222957957);
    assert.strictEqual(zlib.crc32(""), 0);
    assert.throws(() => zlib.crc32(5), { name: "TypeError" });
  },
};
