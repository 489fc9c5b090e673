"use strict";
// TransformStreams with built-in transforms: workerd's byte-oriented IdentityTransformStream and
// FixedLengthStream, and the Encoding Standard's TextEncoderStream and TextDecoderStream.

const {
  BigInt: BigIntCtor, Number: NumberCtor, NumberIsSafeInteger, RangeError: RangeErrorCtor, String: StringCtor,
  StringFromCharCode, StringPrototypeCharCodeAt, StringPrototypeSlice, TypeError: TypeErrorCtor, Uint8Array: Uint8ArrayCtor,
  TypedArrayPrototypeSet, makeEnumerable,
} = internal.primordials;
const streams = internal.require("streams");
const encoding = internal.require("encoding");
const { TransformStream, makeTransform, kInternal, transformEnqueue, transformError } = streams;

// The bytes of a chunk written to a byte-oriented transform (strings are UTF-8 encoded), copied
// so the writer may reuse its buffer.
function chunkBytes(chunk, name) {
  if (typeof chunk === "string") return encoding.utf8Encode(chunk);
  const bytes = encoding.bufferSourceBytes(chunk);
  if (bytes === null) {
    throw new TypeErrorCtor(`This ${name} is a byte stream: chunks written to it must be ArrayBuffers, ArrayBufferViews or strings.`);
  }
  const copy = new Uint8ArrayCtor(bytes.length);
  TypedArrayPrototypeSet(copy, bytes);
  return copy;
}

class IdentityTransformStream extends TransformStream {
  constructor(options = undefined) {
    super(kInternal);
    if (options !== undefined && options !== null && typeof options !== "object") {
      throw new TypeErrorCtor("Failed to construct 'IdentityTransformStream': parameter 1 is not of type 'IdentityTransformStreamQueuingStrategy'.");
    }
    makeTransform(this, {
      byteReadable: true,
      transform: (chunk, c) => {
        try {
          const bytes = chunkBytes(chunk, "IdentityTransformStream");
          if (bytes.length > 0) transformEnqueue(c, bytes);
        } catch (e) {
          transformError(c, e);
          throw e;
        }
        return undefined;
      },
    });
  }
}

// Converts FixedLengthStream's length argument (a number or bigint) like WebIDL's
// `unsigned long long` with [EnforceRange].
function toLength(value) {
  const ctx = "Failed to construct 'FixedLengthStream'";
  let n;
  if (typeof value === "bigint") {
    if (value < 0n) throw new TypeErrorCtor(`${ctx}: the length must not be negative.`);
    n = NumberCtor(value);
  } else if (typeof value === "number") {
    n = value;
  } else {
    throw new TypeErrorCtor(`${ctx}: parameter 1 (the expected length in bytes) must be a number or a bigint.`);
  }
  if (n < 0) throw new TypeErrorCtor(`${ctx}: the length must not be negative.`);
  if (!NumberIsSafeInteger(n)) throw new RangeErrorCtor(`${ctx}: the length must be an integer no larger than 2^53 - 1.`);
  return n;
}

let FLS;
class FixedLengthStream extends TransformStream {
  #expected;
  constructor(expectedLength, options = undefined) {
    super(kInternal);
    const expected = toLength(expectedLength);
    this.#expected = expected;
    let seen = 0;
    const t = makeTransform(this, {
      byteReadable: true,
      transform: (chunk, c) => {
        try {
          const bytes = chunkBytes(chunk, "FixedLengthStream");
          seen += bytes.length;
          if (seen > expected) throw new TypeErrorCtor("Attempt to write too many bytes through a FixedLengthStream.");
          if (bytes.length > 0) transformEnqueue(c, bytes);
        } catch (e) {
          transformError(c, e);
          throw e;
        }
        return undefined;
      },
      flush: (c) => {
        if (seen < expected) {
          const e = new TypeErrorCtor("FixedLengthStream did not see all expected bytes before close().");
          transformError(c, e);
          throw e;
        }
        return undefined;
      },
    });
    // A body made of this stream's readable side is sent with Content-Length: expectedLength.
    streams.setKnownLength(t.readable, expected);
  }
  static {
    FLS = { expectedLength: (v) => (typeof v === "object" && v !== null && #expected in v ? v.#expected : undefined) };
  }
}

class TextEncoderStream extends TransformStream {
  #pendingHigh = -1; // a high surrogate carried over from the previous chunk
  constructor() {
    super(kInternal);
    makeTransform(this, {
      transform: (chunk, c) => {
        let s = StringCtor(chunk);
        if (this.#pendingHigh !== -1) {
          s = StringFromCharCode(this.#pendingHigh) + s;
          this.#pendingHigh = -1;
        }
        if (s.length > 0) {
          const last = StringPrototypeCharCodeAt(s, s.length - 1);
          if (last >= 0xD800 && last <= 0xDBFF) {
            this.#pendingHigh = last;
            s = StringPrototypeSlice(s, 0, s.length - 1);
          }
        }
        if (s.length > 0) transformEnqueue(c, encoding.utf8Encode(s));
        return undefined;
      },
      flush: (c) => {
        if (this.#pendingHigh !== -1) {
          this.#pendingHigh = -1;
          transformEnqueue(c, new Uint8ArrayCtor([0xEF, 0xBF, 0xBD]));
        }
        return undefined;
      },
    });
  }
  get encoding() { return "utf-8"; }
}
makeEnumerable(TextEncoderStream, ["encoding"]);

class TextDecoderStream extends TransformStream {
  #decoder;
  constructor(label = "utf-8", options = undefined) {
    super(kInternal);
    const decoder = new encoding.TextDecoder(label, options);
    this.#decoder = decoder;
    makeTransform(this, {
      transform: (chunk, c) => {
        if (encoding.bufferSourceBytes(chunk) === null) {
          throw new TypeErrorCtor("TextDecoderStream: chunks written to it must be ArrayBuffers or ArrayBufferViews.");
        }
        const text = decoder.decode(chunk, { stream: true });
        if (text.length > 0) transformEnqueue(c, text);
        return undefined;
      },
      flush: (c) => {
        const text = decoder.decode();
        if (text.length > 0) transformEnqueue(c, text);
        return undefined;
      },
    });
  }
  get encoding() { return this.#decoder.encoding; }
  get fatal() { return this.#decoder.fatal; }
  get ignoreBOM() { return this.#decoder.ignoreBOM; }
}
makeEnumerable(TextDecoderStream, ["encoding", "fatal", "ignoreBOM"]);

exports.IdentityTransformStream = IdentityTransformStream;
exports.FixedLengthStream = FixedLengthStream;
exports.TextEncoderStream = TextEncoderStream;
exports.TextDecoderStream = TextDecoderStream;
exports.fixedLength = FLS.expectedLength;
