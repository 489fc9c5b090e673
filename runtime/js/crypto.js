"use strict";
// The `crypto` global: getRandomValues and randomUUID (random bytes from ops.randomBytes), the
// SubtleCrypto instance (subtle.js) and crypto.DigestStream, a WritableStream that hashes what is
// written to it (workerd's extension).

const {
  TypedArrayPrototypeGetSymbolToStringTag, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetByteLength, TypeError: TypeErrorCtor, Uint8Array: Uint8ArrayCtor,
  NumberPrototypeToString, StringPrototypeSlice, makeEnumerable, PromiseWithResolvers, PromiseMarkHandled,
  ArrayBufferIsView, BigInt: BigIntCtor,
} = internal.primordials;
const { DOMException } = internal.require("dom_exception");
const { WritableStream } = internal.require("streams");
// subtle.js is evaluated on first use (runtime/builtins.cc): at the first crypto.subtle or
// DigestStream.
function subtle() { return internal.require("subtle"); }
const ops = internal.ops;

const integerTypes = {
  __proto__: null, Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 1, Uint16Array: 1,
  Int32Array: 1, Uint32Array: 1, BigInt64Array: 1, BigUint64Array: 1,
};

const kConstruct = Symbol("Crypto construction");

function hex2(b) { return StringPrototypeSlice("0" + NumberPrototypeToString(b, 16), -2); }

// The bytes of a chunk written to a DigestStream: a BufferSource, or a string as UTF-8.
function chunkBytes(chunk) {
  if (typeof chunk === "string") return ops.utf8Encode(chunk);
  if (ArrayBufferIsView(chunk)) return chunk;
  try {
    return new Uint8ArrayCtor(chunk);
  } catch {
    throw new TypeErrorCtor("DigestStream accepts only ArrayBuffer, ArrayBufferView or string chunks.");
  }
}

class DigestStream extends WritableStream {
  #digest;
  #bytesWritten = 0n;

  constructor(algorithm) {
    const name = subtle().normalizeDigest(algorithm);
    const handle = ops.cryptoDigestNew(name);
    const result = PromiseWithResolvers();
    PromiseMarkHandled(result.promise);
    let self;
    super({
      write(chunk) {
        const bytes = chunkBytes(chunk);
        ops.cryptoDigestUpdate(handle, bytes);
        self.#bytesWritten += BigIntCtor(bytes.byteLength);
      },
      close() {
        result.resolve(ops.cryptoDigestFinish(handle));
      },
      abort(reason) {
        result.reject(reason);
      },
    });
    self = this;
    this.#digest = result.promise;
  }

  get digest() { return this.#digest; }
  get bytesWritten() { return this.#bytesWritten; }
}
makeEnumerable(DigestStream, ["digest", "bytesWritten"]);

class Crypto {
  constructor(key = undefined) {
    if (key !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
  }

  get subtle() { return subtle().subtle; }

  getRandomValues(array) {
    const tag = array !== null && typeof array === "object" ? TypedArrayPrototypeGetSymbolToStringTag(array) : undefined;
    if (tag === undefined) {
      throw new TypeErrorCtor("Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'.");
    }
    if (!(tag in integerTypes)) {
      throw new DOMException("ArrayBufferView argument to getRandomValues() must be an integer-typed view.", "TypeMismatchError");
    }
    const byteLength = TypedArrayPrototypeGetByteLength(array);
    if (byteLength > 65536) {
      throw new DOMException(`getRandomValues() only accepts buffers of size <= 64K but provided ${byteLength} bytes.`, "QuotaExceededError");
    }
    ops.randomBytes(new Uint8ArrayCtor(TypedArrayPrototypeGetBuffer(array), TypedArrayPrototypeGetByteOffset(array), byteLength));
    return array;
  }

  randomUUID() {
    const b = new Uint8ArrayCtor(16);
    ops.randomBytes(b);
    b[6] = (b[6] & 0x0F) | 0x40; // version 4
    b[8] = (b[8] & 0x3F) | 0x80; // RFC 4122 variant
    let s = "";
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
      s += hex2(b[i]);
    }
    return s;
  }
}
Crypto.prototype.DigestStream = DigestStream;
makeEnumerable(Crypto, ["subtle", "getRandomValues", "randomUUID", "DigestStream"]);

exports.Crypto = Crypto;
exports.crypto = new Crypto(kConstruct);
exports.DigestStream = DigestStream;
