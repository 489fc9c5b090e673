"use strict";
// The Compression Streams standard's CompressionStream and DecompressionStream ("gzip",
// "deflate", "deflate-raw") as byte-oriented TransformStreams over the native zlib ops
// (runtime/api/compression.cc). Each written chunk is handed to zlib, and its output is pulled a
// bounded piece at a time, waiting while the readable side has all it asked for, so memory stays
// bounded however much a chunk expands. Corrupt, truncated or over-long compressed data errors
// both sides with a TypeError.

const { String: StringCtor, TypeError: TypeErrorCtor } = internal.primordials;
const ops = internal.ops;
const streams = internal.require("streams");
const encoding = internal.require("encoding");
const { TransformStream, makeTransform, kInternal, transformEnqueue } = streams;

function checkFormat(iface, args) {
  if (args.length < 1) {
    throw new TypeErrorCtor(`Failed to construct '${iface}': 1 argument required, but only 0 present.`);
  }
  const format = StringCtor(args[0]);
  if (format !== "deflate" && format !== "deflate-raw" && format !== "gzip") {
    throw new TypeErrorCtor("The compression format must be either 'deflate', 'deflate-raw' or 'gzip'.");
  }
  return format;
}

// The bytes of a written chunk, copied by zlibPush. Strings are UTF-8 encoded, as for the other
// byte-oriented transforms.
function chunkBytes(chunk, iface) {
  if (typeof chunk === "string") return encoding.utf8Encode(chunk);
  const bytes = encoding.bufferSourceBytes(chunk);
  if (bytes === null) {
    throw new TypeErrorCtor(`${iface}: chunks written to it must be ArrayBuffers or ArrayBufferViews.`);
  }
  return bytes;
}

// Enqueue the handle's output until it needs more input. While a written chunk is processed, the
// output waits whenever the readable side's queue is full (`c.stream` is the transform record),
// so a chunk that expands a lot is never held in memory at once. At the end (`finish`) all that
// is left is zlib's own bounded buffer, which is enqueued at once.
async function drain(handle, c, finish) {
  for (;;) {
    const out = ops.zlibPull(handle, finish);
    if (out === null) return;
    transformEnqueue(c, out);
    if (finish) continue;
    const t = c.stream;
    while (t.backpressure) await t.backpressureChange.promise;
  }
}

function setUp(object, iface, format, compress) {
  const handle = ops.zlibNew(format, compress);
  makeTransform(object, {
    byteReadable: true,
    // Checked when the chunk is written, so that a wrong type rejects that write (and errors the
    // stream) even while the readable side is not being read.
    writableSize: (chunk) => { chunkBytes(chunk, iface); return 1; },
    transform: async (chunk, c) => {
      try {
        const bytes = chunkBytes(chunk, iface);
        if (bytes.length === 0) return;
        ops.zlibPush(handle, bytes);
        await drain(handle, c, false);
      } catch (e) {
        ops.zlibClose(handle);
        throw e;
      }
    },
    flush: async (c) => {
      try {
        await drain(handle, c, true);
      } finally {
        ops.zlibClose(handle);
      }
    },
    cancel: () => { ops.zlibClose(handle); },
  });
}

class CompressionStream extends TransformStream {
  constructor(format) {
    const checked = checkFormat("CompressionStream", arguments);
    super(kInternal);
    setUp(this, "CompressionStream", checked, true);
  }
}

class DecompressionStream extends TransformStream {
  constructor(format) {
    const checked = checkFormat("DecompressionStream", arguments);
    super(kInternal);
    setUp(this, "DecompressionStream", checked, false);
  }
}

exports.CompressionStream = CompressionStream;
exports.DecompressionStream = DecompressionStream;
