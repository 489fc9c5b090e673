"use strict";
// Web Crypto entry points that need no key material: crypto.getRandomValues and
// crypto.randomUUID (random bytes from ops.randomBytes). SubtleCrypto comes later.

const {
  TypedArrayPrototypeGetSymbolToStringTag, TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetByteLength, TypeError: TypeErrorCtor, Uint8Array: Uint8ArrayCtor,
  NumberPrototypeToString, StringPrototypeSlice, makeEnumerable,
} = internal.primordials;
const { DOMException } = internal.require("dom_exception");
const ops = internal.ops;

const integerTypes = {
  __proto__: null, Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 1, Uint16Array: 1,
  Int32Array: 1, Uint32Array: 1, BigInt64Array: 1, BigUint64Array: 1,
};

const kConstruct = Symbol("Crypto construction");

function hex2(b) { return StringPrototypeSlice("0" + NumberPrototypeToString(b, 16), -2); }

class Crypto {
  constructor(key = undefined) {
    if (key !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
  }

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
makeEnumerable(Crypto, ["getRandomValues", "randomUUID"]);

exports.Crypto = Crypto;
exports.crypto = new Crypto(kConstruct);
