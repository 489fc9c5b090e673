import { ok, equal, deepEqual, throws, rejects } from "assert.js";

const formats = ["gzip", "deflate", "deflate-raw"];
const enc = new TextEncoder();

// Pipes `chunks` through `transform` and returns the output concatenated.
async function run(transform, chunks) {
  const writer = transform.writable.getWriter();
  const done = (async () => {
    for (const c of chunks) await writer.write(c);
    await writer.close();
  })();
  // When reading fails, the writing side's rejection is expected too; it is awaited on success.
  done.catch(() => {});
  const parts = [];
  const reader = transform.readable.getReader();
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    ok(value instanceof Uint8Array, "output chunks are Uint8Arrays");
    parts.push(value);
  }
  await done;
  return concat(parts);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function sameBytes(a, b, message) {
  equal(a.length, b.length, `${message}: length`);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error(`${message}: differs at byte ${i}`);
}

// Deterministic pseudo-random bytes (xorshift), which do not compress.
function noise(n, seed = 12345) {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

// "hello hello hello" as zlib compresses it at the default level.
const helloText = "hello hello hello";
const helloCompressed = {
  "gzip": [31, 139, 8, 0, 0, 0, 0, 0, 0, 3, 203, 72, 205, 201, 201, 87, 200, 64, 144, 0, 128, 136, 249, 229, 17, 0, 0, 0],
  "deflate": [120, 156, 203, 72, 205, 201, 201, 87, 200, 64, 144, 0, 58, 46, 6, 125],
  "deflate-raw": [203, 72, 205, 201, 201, 87, 200, 64, 144, 0],
};

// "hello" in one stored (uncompressed) block, wrapped per RFC 1951, 1950 and 1952 by hand:
// adler32("hello") = 0x062c0215, crc32("hello") = 0x3610a686.
const stored = [0x01, 0x05, 0x00, 0xfa, 0xff, 0x68, 0x65, 0x6c, 0x6c, 0x6f];
const helloStored = {
  "deflate-raw": stored,
  "deflate": [0x78, 0x01, ...stored, 0x06, 0x2c, 0x02, 0x15],
  "gzip": [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff, ...stored, 0x86, 0xa6, 0x10, 0x36, 5, 0, 0, 0],
};

export const constructors = {
  async test() {
    for (const f of formats) {
      const cs = new CompressionStream(f);
      ok(cs instanceof TransformStream, `${f} CompressionStream is a TransformStream`);
      ok(cs.readable instanceof ReadableStream);
      ok(cs.writable instanceof WritableStream);
      ok(new DecompressionStream(f) instanceof TransformStream);
    }
    const message = "The compression format must be either 'deflate', 'deflate-raw' or 'gzip'.";
    for (const Ctor of [CompressionStream, DecompressionStream]) {
      for (const bad of ["br", "GZIP", "", "zlib", " gzip"]) {
        const err = throws(() => new Ctor(bad), TypeError);
        equal(err.message, message);
      }
      throws(() => new Ctor(), TypeError);
      throws(() => Ctor("gzip"), TypeError);
    }
  },
};

export const knownVectors = {
  async test() {
    for (const f of formats) {
      const out = await run(new CompressionStream(f), [enc.encode(helloText)]);
      sameBytes(out, new Uint8Array(helloCompressed[f]), `${f} compression of "${helloText}"`);
      const back = await run(new DecompressionStream(f), [new Uint8Array(helloCompressed[f])]);
      equal(new TextDecoder().decode(back), helloText, `${f} decompression`);
      const fromStored = await run(new DecompressionStream(f), [new Uint8Array(helloStored[f])]);
      equal(new TextDecoder().decode(fromStored), "hello", `${f} stored block`);
    }
  },
};

export const roundTrips = {
  async test() {
    const text = enc.encode("The quick brown fox jumps over the lazy dog. ".repeat(20000));
    const random = noise(300000);
    for (const f of formats) {
      for (const data of [text, random, new Uint8Array(0), new Uint8Array([0])]) {
        // Written in uneven pieces, from several kinds of BufferSource.
        const pieces = [];
        for (let at = 0, n = 1; at < data.length; at += n, n = n * 3 + 7) {
          const slice = data.slice(at, at + n);
          pieces.push(pieces.length % 3 === 0 ? slice : pieces.length % 3 === 1 ? slice.buffer : new DataView(slice.buffer));
        }
        const compressed = await run(new CompressionStream(f), pieces);
        if (data === text) ok(compressed.length < data.length / 50, `${f} compresses repetitive text`);
        // Decompressed from one-byte chunks for the small outputs, whole otherwise.
        const input = compressed.length < 2000 ? Array.from(compressed, (b) => new Uint8Array([b])) : [compressed];
        const back = await run(new DecompressionStream(f), input);
        sameBytes(back, data, `${f} round trip of ${data.length} bytes`);
      }
    }
  },
};

export const pipeThroughResponse = {
  async test() {
    const body = new Blob([helloText]).stream()
      .pipeThrough(new CompressionStream("gzip"))
      .pipeThrough(new DecompressionStream("gzip"));
    equal(await new Response(body).text(), helloText);
  },
};

export const largeExpansionIsStreamed = {
  async test() {
    // 16 MiB of zeros compress to a few KiB; reading the output must see all of it, in pieces.
    const size = 16 * 1024 * 1024;
    const zeros = new Uint8Array(1024 * 1024);
    const compressed = await run(new CompressionStream("deflate"), Array(16).fill(zeros));
    ok(compressed.length < 64 * 1024, "zeros compress well");
    const ds = new DecompressionStream("deflate");
    const writer = ds.writable.getWriter();
    writer.write(compressed);
    writer.close();
    const reader = ds.readable.getReader();
    ok(compressed.length > 0);
    let total = 0;
    let chunks = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (let i = 0; i < value.length; i += 4096) if (value[i] !== 0) throw new Error("non-zero output");
      total += value.length;
      chunks++;
    }
    equal(total, size);
    ok(chunks > 1, "the output arrives in several chunks");
  },
};

export const corruptInput = {
  async test() {
    for (const f of formats) {
      const err = await rejects(run(new DecompressionStream(f), [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]), TypeError);
      equal(err.message, "Decompression failed.", `${f} corrupt`);
    }
    // A gzip stream whose CRC does not match its data.
    const badCrc = helloCompressed.gzip.slice();
    badCrc[badCrc.length - 8] ^= 1;
    await rejects(run(new DecompressionStream("gzip"), [new Uint8Array(badCrc)]), TypeError);
  },
};

export const truncatedInput = {
  async test() {
    for (const f of formats) {
      const bytes = new Uint8Array(helloCompressed[f]);
      const err = await rejects(run(new DecompressionStream(f), [bytes.slice(0, bytes.length - 3)]), TypeError);
      equal(err.message, "Called close() on a decompression stream with incomplete data", `${f} truncated`);
    }
    // No input at all is incomplete too.
    await rejects(run(new DecompressionStream("gzip"), []), TypeError);
  },
};

export const trailingInput = {
  async test() {
    for (const f of formats) {
      const bytes = [...helloCompressed[f], 1, 2, 3];
      const err = await rejects(run(new DecompressionStream(f), [new Uint8Array(bytes)]), TypeError);
      equal(err.message, "Trailing bytes after end of compressed data", `${f} trailing`);
      // The same when the extra bytes come in a later chunk.
      await rejects(run(new DecompressionStream(f), [new Uint8Array(helloCompressed[f]), new Uint8Array([0])]), TypeError);
    }
  },
};

export const errorsReachBothSides = {
  async test() {
    const ds = new DecompressionStream("deflate");
    const writer = ds.writable.getWriter();
    const reader = ds.readable.getReader();
    const write = writer.write(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    await rejects(reader.read(), TypeError);
    await rejects(write, TypeError);
    await rejects(writer.closed, TypeError);
  },
};

export const nonBufferChunks = {
  async test() {
    for (const value of [123, {}, null]) {
      const writer = new CompressionStream("gzip").writable.getWriter();
      await rejects(writer.write(value), TypeError);
    }
  },
};

export const byobReadable = {
  async test() {
    const cs = new CompressionStream("deflate-raw");
    const writer = cs.writable.getWriter();
    writer.write(enc.encode(helloText));
    writer.close();
    const reader = cs.readable.getReader({ mode: "byob" });
    const parts = [];
    for (;;) {
      const { value, done } = await reader.read(new Uint8Array(4));
      if (done) break;
      parts.push(value);
    }
    sameBytes(concat(parts), new Uint8Array(helloCompressed["deflate-raw"]), "byob read");
  },
};

export const cancelReadable = {
  async test() {
    const ds = new DecompressionStream("gzip");
    const writer = ds.writable.getWriter();
    await ds.readable.cancel(new Error("stop"));
    await rejects(writer.write(new Uint8Array(helloCompressed.gzip)));
  },
};
