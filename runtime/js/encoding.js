"use strict";
// Encoding Standard: TextEncoder (UTF-8 via ops), TextDecoder (UTF-8 via ops with JS-side
// streaming; UTF-16LE/BE and windows-1252 in JS), plus atob/btoa (forgiving base64).

const {
  ArrayBufferIsView, ArrayPrototypeJoin, ArrayAppend, ObjectPrototypeToString, ReflectApply,
  RangeError: RangeErrorCtor, String: StringCtor, StringFromCharCode, StringPrototypeCharCodeAt,
  StringPrototypeToLowerCase, StringPrototypeTrim, TypeError: TypeErrorCtor, Uint8Array: Uint8ArrayCtor,
  TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteOffset, TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeSubarray, TypedArrayPrototypeSet, TypedArrayPrototypeGetSymbolToStringTag,
  DataViewPrototypeGetBuffer, DataViewPrototypeGetByteOffset, DataViewPrototypeGetByteLength,
  makeEnumerable,
} = internal.primordials;
const { DOMException } = internal.require("dom_exception");
const ops = internal.ops;

// A Uint8Array view over any BufferSource (ArrayBuffer, SharedArrayBuffer, typed array, DataView),
// or null when `value` is not one.
function bufferSourceBytes(value) {
  if (value === null || typeof value !== "object") return null;
  if (ArrayBufferIsView(value)) {
    if (TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined) {
      return new Uint8ArrayCtor(TypedArrayPrototypeGetBuffer(value), TypedArrayPrototypeGetByteOffset(value),
        TypedArrayPrototypeGetByteLength(value));
    }
    return new Uint8ArrayCtor(DataViewPrototypeGetBuffer(value), DataViewPrototypeGetByteOffset(value),
      DataViewPrototypeGetByteLength(value));
  }
  const tag = ObjectPrototypeToString(value);
  if (tag === "[object ArrayBuffer]" || tag === "[object SharedArrayBuffer]") return new Uint8ArrayCtor(value);
  return null;
}

// Code units -> string, in slices so huge inputs do not overflow the argument limit.
function codeUnitsToString(units, length) {
  if (length <= 8192) return ReflectApply(StringFromCharCode, null, length === units.length ? units : TypedArrayPrototypeSubarray(units, 0, length));
  const parts = [];
  for (let i = 0; i < length; i += 8192) {
    const end = i + 8192 < length ? i + 8192 : length;
    ArrayAppend(parts, ReflectApply(StringFromCharCode, null, TypedArrayPrototypeSubarray(units, i, end)));
  }
  return ArrayPrototypeJoin(parts, "");
}

const labels = { __proto__: null };
function addLabels(name, list) { for (let i = 0; i < list.length; i++) labels[list[i]] = name; }
addLabels("utf-8", ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"]);
addLabels("utf-16le", ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"]);
addLabels("utf-16be", ["unicodefffe", "utf-16be"]);
addLabels("windows-1252", ["ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819",
  "iso-8859-1", "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1",
  "latin1", "us-ascii", "windows-1252", "x-cp1252"]);

// windows-1252 bytes 0x80..0x9F; the rest of the range maps to the same code point.
const cp1252High = [
  0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
  0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
];

class TextEncoder {
  get encoding() { return "utf-8"; }
  encode(input = "") {
    return ops.utf8Encode(StringCtor(input));
  }
  encodeInto(source, destination) {
    if (!(TypedArrayPrototypeGetSymbolToStringTag(destination) === "Uint8Array")) {
      throw new TypeErrorCtor("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    }
    const result = ops.utf8EncodeInto(StringCtor(source), destination);
    return { read: result[0], written: result[1] };
  }
}
makeEnumerable(TextEncoder, ["encoding", "encode", "encodeInto"]);

// Length of a trailing, possibly-complete UTF-8 sequence that is still missing bytes (0 if the
// input does not end in the middle of a valid sequence).
function incompleteUtf8Tail(bytes) {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back];
    if ((b & 0xC0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
    if (need <= back) return 0;
    if (back >= 2) {
      const second = bytes[n - back + 1];
      const lo = b === 0xE0 ? 0xA0 : b === 0xF0 ? 0x90 : 0x80;
      const hi = b === 0xED ? 0x9F : b === 0xF4 ? 0x8F : 0xBF;
      if (second < lo || second > hi) return 0;
    }
    return back;
  }
  return 0;
}

class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  #pending = null;     // Uint8Array of bytes carried over from a streaming call
  #bomSeen = false;    // a stream has produced output (or BOM handling is done)
  #leadSurrogate = -1; // UTF-16: a high surrogate carried over

  constructor(label = "utf-8", options = undefined) {
    const key = StringPrototypeToLowerCase(StringPrototypeTrim(StringCtor(label)));
    const encoding = labels[key];
    if (encoding === undefined) {
      throw new RangeErrorCtor(`Failed to construct 'TextDecoder': The encoding label provided ('${StringCtor(label)}') is invalid or not supported.`);
    }
    if (options !== undefined && options !== null && typeof options !== "object") {
      throw new TypeErrorCtor("Failed to construct 'TextDecoder': parameter 2 is not of type 'TextDecoderOptions'.");
    }
    this.#encoding = encoding;
    this.#fatal = !!options?.fatal;
    this.#ignoreBOM = !!options?.ignoreBOM;
  }

  get encoding() { return this.#encoding; }
  get fatal() { return this.#fatal; }
  get ignoreBOM() { return this.#ignoreBOM; }

  decode(input = undefined, options = undefined) {
    let bytes;
    if (input === undefined || input === null) {
      bytes = new Uint8ArrayCtor(0);
    } else {
      bytes = bufferSourceBytes(input);
      if (bytes === null) {
        throw new TypeErrorCtor("Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView'.");
      }
    }
    const stream = !!options?.stream;
    if (this.#pending !== null) {
      const joined = new Uint8ArrayCtor(this.#pending.length + bytes.length);
      TypedArrayPrototypeSet(joined, this.#pending);
      TypedArrayPrototypeSet(joined, bytes, this.#pending.length);
      bytes = joined;
      this.#pending = null;
    }
    let out;
    try {
      switch (this.#encoding) {
        case "utf-8": out = this.#decodeUtf8(bytes, stream); break;
        case "utf-16le": out = this.#decodeUtf16(bytes, stream, true); break;
        case "utf-16be": out = this.#decodeUtf16(bytes, stream, false); break;
        default: out = decodeWindows1252(bytes); break;
      }
    } catch (err) {
      this.#reset();
      throw err;
    }
    if (!stream) this.#reset();
    return out;
  }

  #reset() {
    this.#pending = null;
    this.#bomSeen = false;
    this.#leadSurrogate = -1;
  }

  #decodeUtf8(bytes, stream) {
    let body = bytes;
    if (stream) {
      const tail = incompleteUtf8Tail(bytes);
      if (tail > 0) {
        this.#pending = new Uint8ArrayCtor(TypedArrayPrototypeSubarray(bytes, bytes.length - tail));
        body = TypedArrayPrototypeSubarray(bytes, 0, bytes.length - tail);
      }
    }
    if (body.length === 0) return "";
    let text;
    try {
      text = ops.utf8Decode(body, this.#fatal, this.#ignoreBOM || this.#bomSeen);
    } catch {
      throw new TypeErrorCtor("Failed to execute 'decode' on 'TextDecoder': The encoded data was not valid for encoding utf-8.");
    }
    this.#bomSeen = true;
    return text;
  }

  #decodeUtf16(bytes, stream, littleEndian) {
    const count = bytes.length >> 1;
    const units = new internal.primordials.Uint16Array(count + 2);
    let n = 0;
    let lead = this.#leadSurrogate;
    for (let i = 0; i < count; i++) {
      const unit = littleEndian ? bytes[2 * i] | (bytes[2 * i + 1] << 8) : (bytes[2 * i] << 8) | bytes[2 * i + 1];
      if (lead !== -1) {
        if (unit >= 0xDC00 && unit <= 0xDFFF) {
          units[n++] = lead;
          units[n++] = unit;
          lead = -1;
          continue;
        }
        if (this.#fatal) throw this.#utf16Error();
        units[n++] = 0xFFFD;
        lead = -1;
      }
      if (unit >= 0xD800 && unit <= 0xDBFF) { lead = unit; continue; }
      if (unit >= 0xDC00 && unit <= 0xDFFF) {
        if (this.#fatal) throw this.#utf16Error();
        units[n++] = 0xFFFD;
        continue;
      }
      units[n++] = unit;
    }
    const odd = bytes.length & 1;
    if (stream) {
      this.#leadSurrogate = lead;
      if (odd) this.#pending = new Uint8ArrayCtor(TypedArrayPrototypeSubarray(bytes, bytes.length - 1));
    } else {
      this.#leadSurrogate = -1;
      if (lead !== -1 || odd) {
        if (this.#fatal) throw this.#utf16Error();
        units[n++] = 0xFFFD;
      }
    }
    let start = 0;
    if (!this.#bomSeen && n > 0) {
      if (!this.#ignoreBOM && units[0] === 0xFEFF) start = 1;
      this.#bomSeen = true;
    }
    return codeUnitsToString(TypedArrayPrototypeSubarray(units, start), n - start);
  }

  #utf16Error() {
    return new TypeErrorCtor(`Failed to execute 'decode' on 'TextDecoder': The encoded data was not valid for encoding ${this.#encoding}.`);
  }
}
makeEnumerable(TextDecoder, ["encoding", "fatal", "ignoreBOM", "decode"]);

function decodeWindows1252(bytes) {
  const units = new internal.primordials.Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    units[i] = b >= 0x80 && b <= 0x9F ? cp1252High[b - 0x80] : b;
  }
  return codeUnitsToString(units, units.length);
}

// Bytes -> "binary string" (one char per byte).
function latin1String(bytes) {
  return codeUnitsToString(bytes, bytes.length);
}

const b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const b64values = new internal.primordials.Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) b64values[StringPrototypeCharCodeAt(b64chars, i)] = i;

// Global operations are methods, not function declarations: as in WebIDL (and workerd), they are
// not constructors and have no prototype.
const atob = { atob(data) {
  if (arguments.length === 0) {
    throw new TypeErrorCtor("Failed to execute 'atob' on 'ServiceWorkerGlobalScope': 1 argument required, but only 0 present.");
  }
  const input = StringCtor(data);
  const invalid = () => new DOMException(
    "atob() called with invalid base64-encoded data. (Only whitespace, '+', '/', alphanumeric ASCII, and up to two terminal '=' signs when the input data length is divisible by 4 are allowed.)",
    "InvalidCharacterError");
  // Strip ASCII whitespace.
  const codes = new internal.primordials.Uint16Array(input.length);
  let len = 0;
  for (let i = 0; i < input.length; i++) {
    const c = StringPrototypeCharCodeAt(input, i);
    if (c === 0x09 || c === 0x0A || c === 0x0C || c === 0x0D || c === 0x20) continue;
    codes[len++] = c;
  }
  if (len % 4 === 0 && len > 0 && codes[len - 1] === 0x3D) {
    len--;
    if (codes[len - 1] === 0x3D) len--;
  }
  if (len % 4 === 1) throw invalid();
  const out = new Uint8ArrayCtor((len * 3) >> 2);
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < len; i++) {
    const c = codes[i];
    const v = c < 128 ? b64values[c] : -1;
    if (v < 0) throw invalid();
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xFF;
    }
  }
  return latin1String(TypedArrayPrototypeSubarray(out, 0, o));
} }.atob;

const btoa = { btoa(data) {
  if (arguments.length === 0) {
    throw new TypeErrorCtor("Failed to execute 'btoa' on 'ServiceWorkerGlobalScope': 1 argument required, but only 0 present.");
  }
  const input = StringCtor(data);
  const bytes = new Uint8ArrayCtor(input.length);
  for (let i = 0; i < input.length; i++) {
    const c = StringPrototypeCharCodeAt(input, i);
    if (c > 0xFF) {
      throw new DOMException("btoa() can only operate on characters in the Latin1 (ISO/IEC 8859-1) range.", "InvalidCharacterError");
    }
    bytes[i] = c;
  }
  return base64Encode(bytes);
} }.btoa;

function base64Encode(bytes) {
  const units = new internal.primordials.Uint16Array(((bytes.length + 2) / 3 | 0) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    units[o++] = StringPrototypeCharCodeAt(b64chars, v >> 18);
    units[o++] = StringPrototypeCharCodeAt(b64chars, (v >> 12) & 63);
    units[o++] = StringPrototypeCharCodeAt(b64chars, (v >> 6) & 63);
    units[o++] = StringPrototypeCharCodeAt(b64chars, v & 63);
  }
  if (i < bytes.length) {
    const v = (bytes[i] << 16) | (i + 1 < bytes.length ? bytes[i + 1] << 8 : 0);
    units[o++] = StringPrototypeCharCodeAt(b64chars, v >> 18);
    units[o++] = StringPrototypeCharCodeAt(b64chars, (v >> 12) & 63);
    units[o++] = i + 1 < bytes.length ? StringPrototypeCharCodeAt(b64chars, (v >> 6) & 63) : 0x3D;
    units[o++] = 0x3D;
  }
  return codeUnitsToString(units, o);
}

exports.TextEncoder = TextEncoder;
exports.TextDecoder = TextDecoder;
exports.atob = atob;
exports.btoa = btoa;
exports.bufferSourceBytes = bufferSourceBytes;
exports.utf8Encode = (s) => ops.utf8Encode(s);
exports.utf8Decode = (bytes) => ops.utf8Decode(bytes, false, false);
exports.latin1String = latin1String;
exports.base64Encode = base64Encode;
