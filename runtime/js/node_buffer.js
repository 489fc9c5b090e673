"use strict";
// node:buffer: Buffer (a Uint8Array subclass) with Node's encodings (utf8, utf16le/ucs2, latin1/
// binary, ascii, base64, base64url, hex), integer/float reads and writes of every width,
// search, compare, fill, transcode; plus Blob/File, atob/btoa and the module constants.

const {
  ObjectDefineProperty, ObjectSetPrototypeOf, ObjectPrototypeToString, ArrayIsArray, ArrayBufferIsView,
  MathFloor, MathMin, MathMax, NumberIsInteger, Number: NumberCtor, String: StringCtor, StringFromCharCode,
  StringPrototypeCharCodeAt, StringPrototypeToLowerCase, ReflectApply, Uint8Array: Uint8ArrayCtor,
  TypeError: TypeErrorCtor, RangeError: RangeErrorCtor, Float32Array: Float32ArrayCtor, Float64Array: Float64ArrayCtor,
  BigInt: BigIntCtor, TypedArrayPrototypeGetSymbolToStringTag, TypedArrayPrototypeFill,
} = internal.primordials;
const ops = internal.ops;
const registry = internal.require("node_registry");
const encodingModule = internal.require("encoding");

const kMaxLength = 2 ** 32;
const kStringMaxLength = 2 ** 29 - 24;
const INSPECT_MAX_BYTES = 50;

const errors = {
  outOfRange(name, range, value) {
    let received = typeof value === "bigint" ? `${value}n` : NumberCtor.isInteger(value) && Math.abs(value) > 2 ** 32
      ? `${value}`.replace(/(\d)(?=(\d{3})+$)/g, "$1_") : `${typeof value === "string" ? `'${value}'` : value}`;
    return registry.codedError(RangeErrorCtor, "ERR_OUT_OF_RANGE",
      `The value of "${name}" is out of range. It must be ${range}. Received ${received}`);
  },
  bounds(name) {
    return registry.codedError(RangeErrorCtor, "ERR_BUFFER_OUT_OF_BOUNDS",
      name ? `"${name}" is outside of buffer bounds` : "Attempt to access memory outside buffer bounds");
  },
  unknownEncoding(enc) { return registry.codedError(TypeErrorCtor, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${enc}`); },
  invalidValue(name, value, reason = "is invalid") {
    return registry.codedError(TypeErrorCtor, "ERR_INVALID_ARG_VALUE",
      `The argument '${name}' ${reason}. Received ${typeof value === "string" ? `'${value}'` : value}`);
  },
};

// ---- encodings ---------------------------------------------------------------------------------

function normalizeEncoding(enc) {
  if (enc === undefined || enc === null || enc === "utf8" || enc === "utf-8") return "utf8";
  switch (StringPrototypeToLowerCase(`${enc}`)) {
    case "utf8": case "utf-8": return "utf8";
    case "ucs2": case "ucs-2": case "utf16le": case "utf-16le": return "utf16le";
    case "latin1": case "binary": return "latin1";
    case "base64": return "base64";
    case "base64url": return "base64url";
    case "hex": return "hex";
    case "ascii": return "ascii";
    default: return undefined;
  }
}
function encodingOrThrow(enc) {
  const e = normalizeEncoding(enc);
  if (e === undefined) throw errors.unknownEncoding(enc);
  return e;
}

function codesToString(bytes, start, end, mask) {
  let out = "";
  for (let i = start; i < end; i += 8192) {
    const stop = MathMin(end, i + 8192);
    const chunk = mask === 0xff ? bytes.subarray(i, stop) : bytes.slice(i, stop).map((b) => b & mask);
    out += ReflectApply(StringFromCharCode, null, chunk);
  }
  return out;
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const b64Lookup = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) b64Lookup[b64.charCodeAt(i)] = i;
b64Lookup[45] = 62; // '-'
b64Lookup[95] = 63; // '_'

function base64Encode(bytes, start, end, url) {
  const alphabet = url ? b64url : b64;
  let out = "";
  let parts = [];
  let i = start;
  for (; i + 2 < end; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + alphabet[v & 63];
    if (out.length > 65536) { parts.push(out); out = ""; }
  }
  if (i < end) {
    const v = (bytes[i] << 16) | (i + 1 < end ? bytes[i + 1] << 8 : 0);
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63];
    if (i + 1 < end) out += alphabet[(v >> 6) & 63];
    if (!url) out += i + 1 < end ? "=" : "==";
  }
  parts.push(out);
  return parts.join("");
}

// Lenient base64/base64url decoding as Node does it: characters outside the alphabet are skipped,
// decoding stops at the first '='.
function base64Decode(str) {
  const out = new Uint8ArrayCtor(base64ByteLength(str));
  const n = base64DecodeInto(str, out);
  return n === out.length ? out : out.subarray(0, n);
}
function base64DecodeInto(str, out) {
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < str.length; i++) {
    const c = StringPrototypeCharCodeAt(str, i);
    if (c === 61) break;
    const v = c < 256 ? b64Lookup[c] : -1;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o >= out.length) return o;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return o;
}
function base64ByteLength(str) {
  let len = str.length;
  while (len > 0 && StringPrototypeCharCodeAt(str, len - 1) === 61) len--;
  return (len * 3) >>> 2;
}

function hexValue(c) {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}
function hexDecodeInto(str, out) {
  const n = MathMin(str.length >>> 1, out.length);
  for (let i = 0; i < n; i++) {
    const hi = hexValue(StringPrototypeCharCodeAt(str, 2 * i));
    const lo = hexValue(StringPrototypeCharCodeAt(str, 2 * i + 1));
    if (hi < 0 || lo < 0) return i;
    out[i] = (hi << 4) | lo;
  }
  return n;
}
const hexTable = [];
for (let i = 0; i < 256; i++) hexTable.push((i < 16 ? "0" : "") + i.toString(16));
function hexEncode(bytes, start, end) {
  let out = "";
  for (let i = start; i < end; i++) out += hexTable[bytes[i]];
  return out;
}

function utf8ByteLength(str) {
  let n = 0;
  for (let i = 0; i < str.length; i++) {
    const c = StringPrototypeCharCodeAt(str, i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
      const d = StringPrototypeCharCodeAt(str, i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { n += 4; i++; } else n += 3;
    } else n += 3;
  }
  return n;
}

function byteLengthOf(str, enc) {
  switch (enc) {
    case "utf8": return utf8ByteLength(str);
    case "utf16le": return str.length * 2;
    case "latin1": case "ascii": return str.length;
    case "hex": return str.length >>> 1;
    case "base64": case "base64url": return base64ByteLength(str);
  }
  return utf8ByteLength(str);
}

// Encodes `str` into `out` (a Uint8Array view); returns the number of bytes written.
function writeString(out, str, enc) {
  switch (enc) {
    case "utf8": {
      if (out.length === 0) return 0;
      return ops.utf8EncodeInto(str, out)[1];
    }
    case "utf16le": {
      const n = MathMin(str.length, out.length >>> 1);
      for (let i = 0; i < n; i++) {
        const c = StringPrototypeCharCodeAt(str, i);
        out[2 * i] = c & 0xff;
        out[2 * i + 1] = c >>> 8;
      }
      return n * 2;
    }
    case "latin1": case "ascii": {
      const n = MathMin(str.length, out.length);
      for (let i = 0; i < n; i++) out[i] = StringPrototypeCharCodeAt(str, i) & 0xff;
      return n;
    }
    case "hex": return hexDecodeInto(str, out);
    case "base64": case "base64url": return base64DecodeInto(str, out);
  }
  throw errors.unknownEncoding(enc);
}

function stringToBytes(str, enc) {
  if (enc === "utf8") return ops.utf8Encode(str);
  if (enc === "base64" || enc === "base64url") return base64Decode(str);
  const out = new Uint8ArrayCtor(byteLengthOf(str, enc));
  const n = writeString(out, str, enc);
  return n === out.length ? out : out.subarray(0, n);
}

function decodeBytes(bytes, enc, start, end) {
  switch (enc) {
    case "utf8": return ops.utf8Decode(bytes.subarray(start, end), false, true);
    case "utf16le": {
      let out = "";
      const units = [];
      for (let i = start; i + 1 < end; i += 2) {
        units.push(bytes[i] | (bytes[i + 1] << 8));
        if (units.length === 8192) { out += ReflectApply(StringFromCharCode, null, units); units.length = 0; }
      }
      return out + ReflectApply(StringFromCharCode, null, units);
    }
    case "latin1": return codesToString(bytes, start, end, 0xff);
    case "ascii": return codesToString(bytes, start, end, 0x7f);
    case "hex": return hexEncode(bytes, start, end);
    case "base64": return base64Encode(bytes, start, end, false);
    case "base64url": return base64Encode(bytes, start, end, true);
  }
  throw errors.unknownEncoding(enc);
}

// ---- the Buffer class --------------------------------------------------------------------------

class FastBuffer extends Uint8ArrayCtor {}

function isUint8Array(v) {
  return ArrayBufferIsView(v) && TypedArrayPrototypeGetSymbolToStringTag(v) === "Uint8Array";
}
function isTypedArray(v) {
  return ArrayBufferIsView(v) && TypedArrayPrototypeGetSymbolToStringTag(v) !== undefined;
}
function isAnyArrayBuffer(v) {
  const tag = ObjectPrototypeToString(v);
  return tag === "[object ArrayBuffer]" || tag === "[object SharedArrayBuffer]";
}

function Buffer(arg, encodingOrOffset, length) {
  if (typeof arg === "number") {
    if (typeof encodingOrOffset === "string") {
      throw registry.invalidArgType("string", "of type string", arg);
    }
    return alloc(arg);
  }
  return from(arg, encodingOrOffset, length);
}
ObjectDefineProperty(Buffer, "name", { value: "Buffer" });
Buffer.prototype = FastBuffer.prototype;
ObjectDefineProperty(FastBuffer.prototype, "constructor", { value: Buffer, writable: true, configurable: true, enumerable: false });
ObjectSetPrototypeOf(Buffer, Uint8ArrayCtor);
ObjectDefineProperty(Buffer, Symbol.species, { get() { return FastBuffer; }, configurable: true });

function validateSize(size) {
  if (typeof size !== "number") throw registry.invalidArgType("size", "of type number", size);
  if (!(size >= 0 && size <= kMaxLength)) throw errors.outOfRange("size", `>= 0 && <= ${kMaxLength}`, size);
}

function alloc(size, fill, encoding) {
  validateSize(size);
  const buf = new FastBuffer(size);
  if (fill !== undefined && fill !== 0 && size > 0) return fillImpl(buf, fill, 0, buf.length, encoding);
  return buf;
}
function allocUnsafe(size) { validateSize(size); return new FastBuffer(size); }

function fromArrayLike(obj) {
  const len = obj.length >>> 0;
  const buf = new FastBuffer(len);
  for (let i = 0; i < len; i++) buf[i] = obj[i];
  return buf;
}

function from(value, encodingOrOffset, length) {
  if (typeof value === "string") return fromString(value, encodingOrOffset);
  if (typeof value === "object" && value !== null) {
    if (isAnyArrayBuffer(value)) {
      const byteLength = value.byteLength;
      let offset = encodingOrOffset === undefined ? 0 : +encodingOrOffset;
      if (offset !== offset) offset = 0;
      if (offset > byteLength) throw errors.bounds("offset");
      let len = length === undefined ? byteLength - offset : +length;
      if (len !== len || len < 0) len = 0;
      if (len > byteLength - offset) throw errors.bounds("length");
      return new FastBuffer(value, offset, len);
    }
    if (isUint8Array(value)) {
      const buf = new FastBuffer(value.length);
      buf.set(value);
      return buf;
    }
    if (isTypedArray(value)) return fromArrayLike(value);
    const valueOf = value.valueOf && value.valueOf();
    if (valueOf != null && valueOf !== value && (typeof valueOf === "string" || typeof valueOf === "object")) {
      return from(valueOf, encodingOrOffset, length);
    }
    if (typeof value.length === "number" || ArrayIsArray(value)) return fromArrayLike(value);
    if (value.type === "Buffer" && ArrayIsArray(value.data)) return fromArrayLike(value.data);
    if (typeof value[Symbol.toPrimitive] === "function") {
      const prim = value[Symbol.toPrimitive]("string");
      if (typeof prim === "string") return fromString(prim, encodingOrOffset);
    }
  }
  throw registry.invalidArgType("first argument",
    "of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object", value);
}

function fromString(str, enc) {
  const e = typeof enc === "string" && enc.length !== 0 ? encodingOrThrow(enc) : "utf8";
  const bytes = stringToBytes(str, e);
  return new FastBuffer(bytes.buffer, bytes.byteOffset, bytes.length);
}

function toBytes(v) {
  if (isUint8Array(v)) return v;
  if (ArrayBufferIsView(v)) return new Uint8ArrayCtor(v.buffer, v.byteOffset, v.byteLength);
  if (isAnyArrayBuffer(v)) return new Uint8ArrayCtor(v);
  return null;
}

function byteLength(string, encoding) {
  if (typeof string !== "string") {
    if (ArrayBufferIsView(string) || isAnyArrayBuffer(string)) return string.byteLength;
    throw registry.invalidArgType("string", "of type string or an instance of Buffer or ArrayBuffer", string);
  }
  return byteLengthOf(string, normalizeEncoding(encoding) || "utf8");
}

function compareBytes(a, b) {
  const n = MathMin(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function compare(a, b) {
  if (!isUint8Array(a)) throw registry.invalidArgType("buf1", "an instance of Buffer or Uint8Array", a);
  if (!isUint8Array(b)) throw registry.invalidArgType("buf2", "an instance of Buffer or Uint8Array", b);
  return compareBytes(a, b);
}

function concat(list, totalLength) {
  if (!ArrayIsArray(list)) throw registry.invalidArgType("list", "an instance of Array", list);
  if (list.length === 0) return new FastBuffer(0);
  if (totalLength === undefined) {
    totalLength = 0;
    for (let i = 0; i < list.length; i++) {
      if (!isUint8Array(list[i])) throw registry.invalidArgType(`list[${i}]`, "an instance of Buffer or Uint8Array", list[i]);
      totalLength += list[i].length;
    }
  } else if (typeof totalLength !== "number") {
    throw registry.invalidArgType("length", "of type number", totalLength);
  }
  const out = allocUnsafe(totalLength);
  let pos = 0;
  for (let i = 0; i < list.length && pos < totalLength; i++) {
    const b = list[i];
    if (!isUint8Array(b)) throw registry.invalidArgType(`list[${i}]`, "an instance of Buffer or Uint8Array", b);
    const take = MathMin(b.length, totalLength - pos);
    out.set(take === b.length ? b : b.subarray(0, take), pos);
    pos += take;
  }
  if (pos < totalLength) out.fill(0, pos);
  return out;
}

function isBuffer(v) { return v instanceof Buffer; }
function isEncoding(e) { return typeof e === "string" && e.length !== 0 && normalizeEncoding(e) !== undefined; }

function copyBytesFrom(view, offset = 0, length = undefined) {
  if (!isTypedArray(view)) throw registry.invalidArgType("view", "an instance of TypedArray", view);
  const elem = view.BYTES_PER_ELEMENT;
  const end = length === undefined ? view.length : MathMin(view.length, offset + length);
  if (offset >= view.length || end <= offset) return new FastBuffer(0);
  const src = new Uint8ArrayCtor(view.buffer, view.byteOffset + offset * elem, (end - offset) * elem);
  const out = new FastBuffer(src.length);
  out.set(src);
  return out;
}

ObjectDefineProperty(Buffer, "poolSize", { value: 8192, writable: true, enumerable: true, configurable: true });
for (const [name, fn] of [["alloc", alloc], ["allocUnsafe", allocUnsafe], ["allocUnsafeSlow", allocUnsafe],
  ["from", from], ["byteLength", byteLength], ["compare", compare], ["concat", concat], ["isBuffer", isBuffer],
  ["isEncoding", isEncoding], ["copyBytesFrom", copyBytesFrom],
  ["of", function of(...items) { return fromArrayLike(items); }]]) {
  ObjectDefineProperty(Buffer, name, { value: fn, writable: true, enumerable: true, configurable: true });
}

// ---- prototype ---------------------------------------------------------------------------------

function clampRange(buf, start, end) {
  const len = buf.length;
  start = start === undefined ? 0 : MathFloor(+start) || 0;
  end = end === undefined ? len : MathFloor(+end) || 0;
  if (start < 0) start = 0;
  if (end > len) end = len;
  return [start, end];
}

function toStringImpl(encoding, start, end) {
  if (arguments.length === 0) return ops.utf8Decode(this, false, true);
  const len = this.length;
  if (start === undefined || start <= 0) start = 0;
  else if (start >= len) return "";
  else start = MathFloor(start) || 0;
  if (end === undefined || end > len) end = len;
  else end = MathFloor(end) || 0;
  if (end <= start) return "";
  const enc = encoding === undefined ? "utf8" : encodingOrThrow(encoding);
  return decodeBytes(this, enc, start, end);
}

function checkOffset(buf, offset, bytes) {
  if (offset === undefined) offset = 0;
  if (typeof offset !== "number") throw registry.invalidArgType("offset", "of type number", offset);
  if (!NumberIsInteger(offset)) throw errors.outOfRange("offset", "an integer", offset);
  if (buf.length - bytes < 0) throw errors.bounds();
  if (offset < 0 || offset > buf.length - bytes) throw errors.outOfRange("offset", `>= 0 and <= ${buf.length - bytes}`, offset);
  return offset;
}

function checkByteLength(byteLength) {
  if (typeof byteLength !== "number") throw registry.invalidArgType("byteLength", "of type number", byteLength);
  if (!NumberIsInteger(byteLength) || byteLength < 1 || byteLength > 6) throw errors.outOfRange("byteLength", ">= 1 and <= 6", byteLength);
}

function readUIntLE(buf, offset, n) {
  let v = 0, mul = 1;
  for (let i = 0; i < n; i++) { v += buf[offset + i] * mul; mul *= 256; }
  return v;
}
function readUIntBE(buf, offset, n) {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[offset + i];
  return v;
}
function signed(v, n) { const limit = 2 ** (8 * n - 1); return v >= limit ? v - 2 * limit : v; }

function checkInt(value, min, max, name, byteLength, bigint) {
  if (typeof value !== (bigint ? "bigint" : "number")) {
    throw registry.invalidArgType(name, bigint ? "of type bigint" : "of type number", value);
  }
  if (value > max || value < min || (!bigint && value !== value)) {
    const n = bigint ? "n" : "";
    let range;
    if (byteLength > 3 || bigint) {
      const bits = byteLength * 8;
      range = (min === 0 || min === 0n) ? `>= 0${n} and < 2${n} ** ${bits}${n}` : `>= -(2${n} ** ${bits - 1}${n}) and < 2${n} ** ${bits - 1}${n}`;
    } else {
      range = `>= ${min}${n} and <= ${max}${n}`;
    }
    throw errors.outOfRange(name, range, value);
  }
}

function writeUIntLE(buf, value, offset, n) {
  for (let i = 0; i < n; i++) { buf[offset + i] = value % 256; value = MathFloor(value / 256); }
  return offset + n;
}
function writeUIntBE(buf, value, offset, n) {
  for (let i = n - 1; i >= 0; i--) { buf[offset + i] = value % 256; value = MathFloor(value / 256); }
  return offset + n;
}

const f32 = new Float32ArrayCtor(1), f32b = new Uint8ArrayCtor(f32.buffer);
const f64 = new Float64ArrayCtor(1), f64b = new Uint8ArrayCtor(f64.buffer);
const littleEndianHost = new Uint8ArrayCtor(new Uint16Array([1]).buffer)[0] === 1;

const proto = {
  toString: toStringImpl,
  toLocaleString: toStringImpl,
  equals(other) {
    if (!isUint8Array(other)) throw registry.invalidArgType("otherBuffer", "an instance of Buffer or Uint8Array", other);
    return this === other || compareBytes(this, other) === 0;
  },
  compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
    if (!isUint8Array(target)) throw registry.invalidArgType("target", "an instance of Buffer or Uint8Array", target);
    const check = (v, name, def, max) => {
      if (v === undefined) return def;
      if (typeof v !== "number") throw registry.invalidArgType(name, "of type number", v);
      if (!NumberIsInteger(v) || v < 0 || v > max) throw errors.outOfRange(name, `>= 0 and <= ${max}`, v);
      return v;
    };
    targetStart = check(targetStart, "targetStart", 0, target.length);
    targetEnd = check(targetEnd, "targetEnd", target.length, target.length);
    sourceStart = check(sourceStart, "sourceStart", 0, this.length);
    sourceEnd = check(sourceEnd, "sourceEnd", this.length, this.length);
    if (sourceStart >= sourceEnd) return targetStart >= targetEnd ? 0 : -1;
    if (targetStart >= targetEnd) return 1;
    return compareBytes(this.subarray(sourceStart, sourceEnd), target.subarray(targetStart, targetEnd));
  },
  copy(target, targetStart, sourceStart, sourceEnd) {
    if (!ArrayBufferIsView(target)) throw registry.invalidArgType("target", "an instance of Buffer or Uint8Array", target);
    const dst = toBytes(target);
    targetStart = targetStart === undefined ? 0 : MathFloor(+targetStart) || 0;
    if (targetStart < 0) throw errors.outOfRange("targetStart", `>= 0 and <= ${dst.length}`, targetStart);
    sourceStart = sourceStart === undefined ? 0 : MathFloor(+sourceStart) || 0;
    if (sourceStart < 0 || sourceStart > this.length) throw errors.outOfRange("sourceStart", `>= 0 and <= ${this.length}`, sourceStart);
    sourceEnd = sourceEnd === undefined ? this.length : MathFloor(+sourceEnd) || 0;
    if (sourceEnd < 0) throw errors.outOfRange("sourceEnd", ">= 0", sourceEnd);
    if (sourceEnd > this.length) sourceEnd = this.length;
    if (targetStart >= dst.length || sourceStart >= sourceEnd) return 0;
    const n = MathMin(sourceEnd - sourceStart, dst.length - targetStart);
    dst.set(this.subarray(sourceStart, sourceStart + n), targetStart);
    return n;
  },
  slice(start, end) { return this.subarray(start, end); },
  toJSON() {
    const data = new Array(this.length);
    for (let i = 0; i < this.length; i++) data[i] = this[i];
    return { type: "Buffer", data };
  },
  write(string, offset, length, encoding) {
    if (typeof string !== "string") throw registry.invalidArgType("argument", "of type string", string);
    if (offset === undefined) { offset = 0; length = this.length; encoding = "utf8"; }
    else if (length === undefined && typeof offset === "string") { encoding = offset; offset = 0; length = this.length; }
    else {
      if (typeof offset !== "number" || !NumberIsInteger(offset)) throw registry.invalidArgType("offset", "of type number", offset);
      if (offset < 0 || offset > this.length) throw errors.outOfRange("offset", `>= 0 && <= ${this.length}`, offset);
      const remaining = this.length - offset;
      if (length === undefined) length = remaining;
      else if (typeof length === "string") { encoding = length; length = remaining; }
      else {
        if (typeof length !== "number" || !NumberIsInteger(length)) throw registry.invalidArgType("length", "of type number", length);
        if (length < 0 || length > this.length) throw errors.outOfRange("length", `>= 0 && <= ${this.length}`, length);
        if (length > remaining) length = remaining;
      }
    }
    const enc = encoding === undefined ? "utf8" : encodingOrThrow(encoding);
    return writeString(this.subarray(offset, offset + length), string, enc);
  },
  fill(value, offset, end, encoding) { return fillImpl(this, value, offset, end, encoding); },
  indexOf(value, byteOffset, encoding) { return indexOfImpl(this, value, byteOffset, encoding, true); },
  lastIndexOf(value, byteOffset, encoding) { return indexOfImpl(this, value, byteOffset, encoding, false); },
  includes(value, byteOffset, encoding) { return indexOfImpl(this, value, byteOffset, encoding, true) !== -1; },
  swap16() { return swap(this, 2); },
  swap32() { return swap(this, 4); },
  swap64() { return swap(this, 8); },

  readUInt8(offset = 0) { offset = checkOffset(this, offset, 1); return this[offset]; },
  readInt8(offset = 0) { offset = checkOffset(this, offset, 1); return signed(this[offset], 1); },
  readUInt16LE(offset = 0) { offset = checkOffset(this, offset, 2); return readUIntLE(this, offset, 2); },
  readUInt16BE(offset = 0) { offset = checkOffset(this, offset, 2); return readUIntBE(this, offset, 2); },
  readInt16LE(offset = 0) { offset = checkOffset(this, offset, 2); return signed(readUIntLE(this, offset, 2), 2); },
  readInt16BE(offset = 0) { offset = checkOffset(this, offset, 2); return signed(readUIntBE(this, offset, 2), 2); },
  readUInt32LE(offset = 0) { offset = checkOffset(this, offset, 4); return readUIntLE(this, offset, 4); },
  readUInt32BE(offset = 0) { offset = checkOffset(this, offset, 4); return readUIntBE(this, offset, 4); },
  readInt32LE(offset = 0) { offset = checkOffset(this, offset, 4); return signed(readUIntLE(this, offset, 4), 4); },
  readInt32BE(offset = 0) { offset = checkOffset(this, offset, 4); return signed(readUIntBE(this, offset, 4), 4); },
  readUIntLE(offset, byteLength) { checkByteLength(byteLength); offset = checkOffset(this, offset, byteLength); return readUIntLE(this, offset, byteLength); },
  readUIntBE(offset, byteLength) { checkByteLength(byteLength); offset = checkOffset(this, offset, byteLength); return readUIntBE(this, offset, byteLength); },
  readIntLE(offset, byteLength) { checkByteLength(byteLength); offset = checkOffset(this, offset, byteLength); return signed(readUIntLE(this, offset, byteLength), byteLength); },
  readIntBE(offset, byteLength) { checkByteLength(byteLength); offset = checkOffset(this, offset, byteLength); return signed(readUIntBE(this, offset, byteLength), byteLength); },
  readBigUInt64LE(offset = 0) {
    offset = checkOffset(this, offset, 8);
    return BigIntCtor(readUIntLE(this, offset, 4)) + (BigIntCtor(readUIntLE(this, offset + 4, 4)) << 32n);
  },
  readBigUInt64BE(offset = 0) {
    offset = checkOffset(this, offset, 8);
    return (BigIntCtor(readUIntBE(this, offset, 4)) << 32n) + BigIntCtor(readUIntBE(this, offset + 4, 4));
  },
  readBigInt64LE(offset = 0) { return BigInt.asIntN(64, proto.readBigUInt64LE.call(this, offset)); },
  readBigInt64BE(offset = 0) { return BigInt.asIntN(64, proto.readBigUInt64BE.call(this, offset)); },
  readFloatLE(offset = 0) { return readFloat(this, offset, f32, f32b, 4, true); },
  readFloatBE(offset = 0) { return readFloat(this, offset, f32, f32b, 4, false); },
  readDoubleLE(offset = 0) { return readFloat(this, offset, f64, f64b, 8, true); },
  readDoubleBE(offset = 0) { return readFloat(this, offset, f64, f64b, 8, false); },

  writeUInt8(value, offset = 0) { checkInt(value, 0, 0xff, "value", 1); offset = checkOffset(this, offset, 1); this[offset] = value; return offset + 1; },
  writeInt8(value, offset = 0) { checkInt(value, -0x80, 0x7f, "value", 1); offset = checkOffset(this, offset, 1); this[offset] = value & 0xff; return offset + 1; },
  writeUInt16LE(value, offset = 0) { return writeU(this, value, offset, 2, true); },
  writeUInt16BE(value, offset = 0) { return writeU(this, value, offset, 2, false); },
  writeUInt32LE(value, offset = 0) { return writeU(this, value, offset, 4, true); },
  writeUInt32BE(value, offset = 0) { return writeU(this, value, offset, 4, false); },
  writeInt16LE(value, offset = 0) { return writeI(this, value, offset, 2, true); },
  writeInt16BE(value, offset = 0) { return writeI(this, value, offset, 2, false); },
  writeInt32LE(value, offset = 0) { return writeI(this, value, offset, 4, true); },
  writeInt32BE(value, offset = 0) { return writeI(this, value, offset, 4, false); },
  writeUIntLE(value, offset, byteLength) { checkByteLength(byteLength); return writeU(this, value, offset, byteLength, true); },
  writeUIntBE(value, offset, byteLength) { checkByteLength(byteLength); return writeU(this, value, offset, byteLength, false); },
  writeIntLE(value, offset, byteLength) { checkByteLength(byteLength); return writeI(this, value, offset, byteLength, true); },
  writeIntBE(value, offset, byteLength) { checkByteLength(byteLength); return writeI(this, value, offset, byteLength, false); },
  writeBigUInt64LE(value, offset = 0) { return writeBig(this, value, offset, true, false); },
  writeBigUInt64BE(value, offset = 0) { return writeBig(this, value, offset, false, false); },
  writeBigInt64LE(value, offset = 0) { return writeBig(this, value, offset, true, true); },
  writeBigInt64BE(value, offset = 0) { return writeBig(this, value, offset, false, true); },
  writeFloatLE(value, offset = 0) { return writeFloat(this, value, offset, f32, f32b, 4, true); },
  writeFloatBE(value, offset = 0) { return writeFloat(this, value, offset, f32, f32b, 4, false); },
  writeDoubleLE(value, offset = 0) { return writeFloat(this, value, offset, f64, f64b, 8, true); },
  writeDoubleBE(value, offset = 0) { return writeFloat(this, value, offset, f64, f64b, 8, false); },
};

function writeU(buf, value, offset, n, le) {
  checkInt(value, 0, 2 ** (8 * n) - 1, "value", n);
  offset = checkOffset(buf, offset, n);
  return le ? writeUIntLE(buf, value, offset, n) : writeUIntBE(buf, value, offset, n);
}
function writeI(buf, value, offset, n, le) {
  const limit = 2 ** (8 * n - 1);
  checkInt(value, -limit, limit - 1, "value", n);
  offset = checkOffset(buf, offset, n);
  if (value < 0) value += 2 * limit;
  return le ? writeUIntLE(buf, value, offset, n) : writeUIntBE(buf, value, offset, n);
}
function writeBig(buf, value, offset, le, isSigned) {
  if (isSigned) checkInt(value, -(2n ** 63n), 2n ** 63n - 1n, "value", 8, true);
  else checkInt(value, 0n, 2n ** 64n - 1n, "value", 8, true);
  offset = checkOffset(buf, offset, 8);
  const u = BigInt.asUintN(64, value);
  const lo = NumberCtor(u & 0xffffffffn), hi = NumberCtor(u >> 32n);
  if (le) { writeUIntLE(buf, lo, offset, 4); writeUIntLE(buf, hi, offset + 4, 4); }
  else { writeUIntBE(buf, hi, offset, 4); writeUIntBE(buf, lo, offset + 4, 4); }
  return offset + 8;
}
function readFloat(buf, offset, arr, bytes, n, le) {
  offset = checkOffset(buf, offset, n);
  const native = le === littleEndianHost;
  for (let i = 0; i < n; i++) bytes[native ? i : n - 1 - i] = buf[offset + i];
  return arr[0];
}
function writeFloat(buf, value, offset, arr, bytes, n, le) {
  if (typeof value !== "number") throw registry.invalidArgType("value", "of type number", value);
  offset = checkOffset(buf, offset, n);
  arr[0] = value;
  const native = le === littleEndianHost;
  for (let i = 0; i < n; i++) buf[offset + i] = bytes[native ? i : n - 1 - i];
  return offset + n;
}

function swap(buf, size) {
  if (buf.length % size !== 0) {
    throw registry.codedError(RangeErrorCtor, "ERR_INVALID_BUFFER_SIZE", `Buffer size must be a multiple of ${size * 8}-bits`);
  }
  for (let i = 0; i < buf.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) { const t = buf[a]; buf[a] = buf[b]; buf[b] = t; }
  }
  return buf;
}

function fillImpl(buf, value, offset, end, encoding) {
  if (typeof offset === "string") { encoding = offset; offset = 0; end = buf.length; }
  else if (typeof end === "string") { encoding = end; end = buf.length; }
  if (offset === undefined) offset = 0;
  else if (typeof offset !== "number") throw registry.invalidArgType("offset", "of type number", offset);
  if (end === undefined) end = buf.length;
  else if (typeof end !== "number") throw registry.invalidArgType("end", "of type number", end);
  if (offset < 0 || offset > buf.length) throw errors.outOfRange("offset", `>= 0 and <= ${buf.length}`, offset);
  if (end < 0 || end > buf.length) throw errors.outOfRange("end", `>= 0 and <= ${buf.length}`, end);
  if (end <= offset) return buf;
  if (typeof value === "number") { TypedArrayPrototypeFill(buf, value & 255, offset, end); return buf; }
  if (typeof value === "boolean") { TypedArrayPrototypeFill(buf, +value, offset, end); return buf; }
  let bytes;
  if (typeof value === "string") {
    const enc = encoding === undefined ? "utf8" : encodingOrThrow(encoding);
    if (value.length === 0) { TypedArrayPrototypeFill(buf, 0, offset, end); return buf; }
    if (value.length === 1 && enc === "utf8" && StringPrototypeCharCodeAt(value, 0) < 128) {
      TypedArrayPrototypeFill(buf, StringPrototypeCharCodeAt(value, 0), offset, end);
      return buf;
    }
    bytes = stringToBytes(value, enc);
    if (bytes.length === 0) throw errors.invalidValue("value", value);
  } else {
    bytes = toBytes(value);
    if (bytes === null) { TypedArrayPrototypeFill(buf, NumberCtor(value) & 255, offset, end); return buf; }
    if (bytes.length === 0) throw errors.invalidValue("value", value, "is invalid");
  }
  for (let i = offset, j = 0; i < end; i++, j = j + 1 === bytes.length ? 0 : j + 1) buf[i] = bytes[j];
  return buf;
}

function indexOfImpl(buf, value, byteOffset, encoding, forward) {
  if (typeof byteOffset === "string") { encoding = byteOffset; byteOffset = undefined; }
  let offset = byteOffset === undefined ? (forward ? 0 : buf.length) : +byteOffset;
  if (offset !== offset) offset = forward ? 0 : buf.length;
  offset = MathFloor(offset);
  if (offset < 0) offset += buf.length;
  let needle;
  if (typeof value === "number") {
    needle = [value >>> 0 & 255];
  } else if (typeof value === "string") {
    needle = stringToBytes(value, encoding === undefined ? "utf8" : encodingOrThrow(encoding));
  } else if (isUint8Array(value) || ArrayBufferIsView(value)) {
    needle = toBytes(value);
  } else {
    throw registry.invalidArgType("value", "one of type number or string or an instance of Buffer or Uint8Array", value);
  }
  const n = needle.length, len = buf.length;
  if (forward) {
    if (offset < 0) offset = 0;
    if (n === 0) return offset <= len ? offset : len;
    for (let i = offset; i <= len - n; i++) {
      let j = 0;
      while (j < n && buf[i + j] === needle[j]) j++;
      if (j === n) return i;
    }
    return -1;
  }
  if (offset < 0) return -1;
  if (n === 0) return MathMin(offset, len);
  for (let i = MathMin(offset, len - n); i >= 0; i--) {
    let j = 0;
    while (j < n && buf[i + j] === needle[j]) j++;
    if (j === n) return i;
  }
  return -1;
}

for (const key of Object.keys(proto)) {
  ObjectDefineProperty(Buffer.prototype, key, { value: proto[key], writable: true, configurable: true, enumerable: true });
}
// Lower-case aliases (readUint8 and friends).
for (const key of Object.keys(proto)) {
  if (/UInt/.test(key)) {
    ObjectDefineProperty(Buffer.prototype, key.replace("UInt", "Uint"), { value: proto[key], writable: true, configurable: true, enumerable: true });
  }
}
for (const enc of ["utf8", "latin1", "ascii", "hex", "base64", "base64url", "ucs2", "utf16le"]) {
  const norm = normalizeEncoding(enc);
  ObjectDefineProperty(Buffer.prototype, `${enc}Slice`, {
    value: function (start = 0, end = this.length) { return decodeBytes(this, norm, start, end); },
    writable: true, configurable: true, enumerable: false,
  });
  ObjectDefineProperty(Buffer.prototype, `${enc}Write`, {
    value: function (string, offset = 0, length = this.length - offset) { return writeString(this.subarray(offset, offset + length), string, norm); },
    writable: true, configurable: true, enumerable: false,
  });
}
ObjectDefineProperty(Buffer.prototype, "parent", {
  get() { return this instanceof Buffer ? this.buffer : undefined; }, configurable: true, enumerable: true,
});
ObjectDefineProperty(Buffer.prototype, "offset", {
  get() { return this instanceof Buffer ? this.byteOffset : undefined; }, configurable: true, enumerable: true,
});
ObjectDefineProperty(Buffer.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value: function inspect(recurseTimes, ctx) {
    const max = exportsObject ? exportsObject.INSPECT_MAX_BYTES : INSPECT_MAX_BYTES;
    const shown = MathMin(max, this.length);
    let str = "";
    for (let i = 0; i < shown; i++) str += (i ? " " : "") + hexTable[this[i]];
    const remaining = this.length - max;
    if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? "s" : ""}`;
    return `<${this.constructor.name} ${str}>`.replace(" >", ">");
  }, writable: true, configurable: true, enumerable: false,
});

function SlowBuffer(size) { return allocUnsafe(size); }
SlowBuffer.prototype = Buffer.prototype;
ObjectSetPrototypeOf(SlowBuffer, Buffer);

function transcode(source, fromEnc, toEnc) {
  if (!isUint8Array(source)) throw registry.invalidArgType("source", "an instance of Buffer or Uint8Array", source);
  const f = normalizeEncoding(fromEnc), t = normalizeEncoding(toEnc);
  const ok = (e) => e === "utf8" || e === "utf16le" || e === "latin1" || e === "ascii";
  if (!ok(f) || !ok(t)) {
    const err = new Error(`Unable to transcode Buffer [U_ILLEGAL_ARGUMENT_ERROR]`);
    err.code = "U_ILLEGAL_ARGUMENT_ERROR";
    throw err;
  }
  let str = decodeBytes(source, f, 0, source.length);
  if (t === "latin1" || t === "ascii") str = str.replace(/[^\x00-\xff]/gu, "?");
  return fromString(str, t);
}

function isUtf8(input) {
  const bytes = toBytes(input);
  if (bytes === null) throw registry.invalidArgType("input", "an instance of ArrayBuffer, Buffer, or TypedArray", input);
  try { ops.utf8Decode(bytes, true, true); return true; } catch { return false; }
}
function isAscii(input) {
  const bytes = toBytes(input);
  if (bytes === null) throw registry.invalidArgType("input", "an instance of ArrayBuffer, Buffer, or TypedArray", input);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 127) return false;
  return true;
}

let exportsObject = null;
function build() {
  exportsObject = {
    Buffer, SlowBuffer, transcode, isUtf8, isAscii,
    kMaxLength, kStringMaxLength, INSPECT_MAX_BYTES,
    constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength },
    atob: encodingModule.atob, btoa: encodingModule.btoa,
    Blob: globalThis.Blob, File: globalThis.File,
    resolveObjectURL() { return undefined; },
  };
  return exportsObject;
}
registry.define("buffer", build);

exports.Buffer = Buffer;
exports.normalizeEncoding = normalizeEncoding;
exports.decodeBytes = decodeBytes;
exports.stringToBytes = stringToBytes;
