"use strict";
// File API: Blob and File. A Blob's bytes are one immutable Uint8Array; slices share it.

const {
  ArrayAppend, ArrayBufferPrototypeSlice, DateNow, Number: NumberCtor, NumberIsFinite, MathMax, MathMin,
  MathTrunc, PromiseReject, PromiseResolve, String: StringCtor, StringPrototypeCharCodeAt,
  StringPrototypeToLowerCase, StringPrototypeReplace, TypeError: TypeErrorCtor, Uint8Array: Uint8ArrayCtor,
  TypedArrayPrototypeGetBuffer, TypedArrayPrototypeSet, TypedArrayPrototypeSubarray, makeEnumerable,
  SymbolIterator,
} = internal.primordials;
const encoding = internal.require("encoding");
const streams = internal.require("streams");
const { toUSVString } = internal.require("util");

const kInternal = Symbol("internal Blob");
let B;

// Blob type normalisation: lower-cased, or "" if it holds characters outside U+0020..U+007E.
function normalizeType(type) {
  const s = StringCtor(type);
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c < 0x20 || c > 0x7E) return "";
  }
  return StringPrototypeToLowerCase(s);
}

function concat(parts, total) {
  if (parts.length === 1) return parts[0];
  const out = new Uint8ArrayCtor(total);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    TypedArrayPrototypeSet(out, parts[i], offset);
    offset += parts[i].length;
  }
  return out;
}

function blobPartsToBytes(blobParts, endings, ctx) {
  if (blobParts === undefined) return new Uint8ArrayCtor(0);
  if (blobParts === null || typeof blobParts !== "object" || typeof blobParts[SymbolIterator] !== "function") {
    throw new TypeErrorCtor(`${ctx}: The provided value cannot be converted to a sequence.`);
  }
  const parts = [];
  let total = 0;
  for (const part of blobParts) {
    let bytes;
    if (B.isBlob(part)) {
      bytes = B.bytes(part);
    } else {
      const view = encoding.bufferSourceBytes(part);
      if (view !== null) {
        bytes = new Uint8ArrayCtor(view.length);
        TypedArrayPrototypeSet(bytes, view);
      } else {
        let s = toUSVString(part);
        if (endings === "native") s = StringPrototypeReplace(s, /\r\n?/g, "\n");
        bytes = encoding.utf8Encode(s);
      }
    }
    ArrayAppend(parts, bytes);
    total += bytes.length;
  }
  return parts.length === 0 ? new Uint8ArrayCtor(0) : concat(parts, total);
}

function blobOptions(options, ctx) {
  if (options === undefined || options === null) return { type: "", endings: "transparent" };
  if (typeof options !== "object" && typeof options !== "function") {
    throw new TypeErrorCtor(`${ctx}: parameter 2 is not of type 'BlobPropertyBag'.`);
  }
  let endings = "transparent";
  if (options.endings !== undefined) {
    endings = StringCtor(options.endings);
    if (endings !== "transparent" && endings !== "native") {
      throw new TypeErrorCtor(`${ctx}: '${endings}' is not a valid value for endings (expected 'transparent' or 'native').`);
    }
  }
  const type = options.type === undefined ? "" : normalizeType(options.type);
  return { type, endings };
}

function relativeIndex(value, size) {
  let n = NumberCtor(value);
  if (!NumberIsFinite(n)) n = n > 0 ? size : 0;
  n = MathTrunc(n);
  return n < 0 ? MathMax(size + n, 0) : MathMin(n, size);
}

const kChunk = 65536;

class Blob {
  #bytes;
  #type = "";

  constructor(blobParts = undefined, options = undefined) {
    if (blobParts === kInternal) return;
    const ctx = "Failed to construct 'Blob'";
    const opts = blobOptions(options, ctx);
    this.#bytes = blobPartsToBytes(blobParts, opts.endings, ctx);
    this.#type = opts.type;
  }

  get size() { return blobBytes(this, "size").length; }
  get type() { blobBytes(this, "type"); return this.#type; }

  slice(start = undefined, end = undefined, contentType = undefined) {
    const bytes = blobBytes(this, "slice");
    const size = bytes.length;
    const from = start === undefined ? 0 : relativeIndex(start, size);
    const to = end === undefined ? size : relativeIndex(end, size);
    const span = MathMax(to - from, 0);
    return makeBlob(TypedArrayPrototypeSubarray(bytes, from, from + span),
      contentType === undefined ? "" : normalizeType(contentType));
  }

  arrayBuffer() {
    let bytes;
    try { bytes = blobBytes(this, "arrayBuffer"); } catch (e) { return PromiseReject(e); }
    return PromiseResolve(ArrayBufferPrototypeSlice(TypedArrayPrototypeGetBuffer(bytes), bytes.byteOffset, bytes.byteOffset + bytes.length));
  }

  bytes() {
    let bytes;
    try { bytes = blobBytes(this, "bytes"); } catch (e) { return PromiseReject(e); }
    const copy = new Uint8ArrayCtor(bytes.length);
    TypedArrayPrototypeSet(copy, bytes);
    return PromiseResolve(copy);
  }

  text() {
    let bytes;
    try { bytes = blobBytes(this, "text"); } catch (e) { return PromiseReject(e); }
    return PromiseResolve(encoding.utf8Decode(bytes));
  }

  stream() {
    const bytes = blobBytes(this, "stream");
    let offset = 0;
    return streams.createByteStream(() => undefined, (c) => {
      if (offset >= bytes.length) {
        streams.controllerClose(c);
        return PromiseResolve(undefined);
      }
      const end = MathMin(offset + kChunk, bytes.length);
      const chunk = new Uint8ArrayCtor(end - offset);
      TypedArrayPrototypeSet(chunk, TypedArrayPrototypeSubarray(bytes, offset, end));
      offset = end;
      streams.controllerEnqueue(c, chunk);
      if (offset >= bytes.length) streams.controllerClose(c);
      return PromiseResolve(undefined);
    }, () => PromiseResolve(undefined), 0);
  }

  static {
    B = {
      isBlob: (v) => typeof v === "object" && v !== null && #bytes in v,
      bytes: (blob) => blob.#bytes,
      type: (blob) => blob.#type,
      init: (blob, bytes, type) => { blob.#bytes = bytes; blob.#type = type; },
    };
  }
}
makeEnumerable(Blob, ["size", "type", "slice", "arrayBuffer", "bytes", "text", "stream"]);

function blobBytes(self, member) {
  if (!B.isBlob(self)) throw new TypeErrorCtor(`Failed to execute '${member}' on 'Blob': Illegal invocation.`);
  return B.bytes(self);
}

function makeBlob(bytes, type) {
  const blob = new Blob(kInternal);
  B.init(blob, bytes, type);
  return blob;
}

let F;
class File extends Blob {
  #name = "";
  #lastModified = 0;

  constructor(fileBits, fileName, options = undefined) {
    if (fileBits === kInternal) { super(kInternal); return; }
    const ctx = "Failed to construct 'File'";
    if (arguments.length < 2) {
      throw new TypeErrorCtor(`${ctx}: 2 arguments required, but only ${arguments.length} present.`);
    }
    const opts = blobOptions(options, ctx);
    const bytes = blobPartsToBytes(fileBits, opts.endings, ctx);
    super(kInternal);
    B.init(this, bytes, opts.type);
    this.#name = toUSVString(fileName);
    let lastModified = DateNow();
    if (options !== undefined && options !== null && options.lastModified !== undefined) {
      const n = NumberCtor(options.lastModified);
      lastModified = NumberIsFinite(n) ? MathTrunc(n) : 0;
    }
    this.#lastModified = lastModified;
  }

  get name() { return fileRecord(this, "name").#name; }
  get lastModified() { return fileRecord(this, "lastModified").#lastModified; }

  static {
    F = {
      isFile: (v) => typeof v === "object" && v !== null && #name in v,
      make: (bytes, name, type, lastModified) => {
        const file = new File(kInternal);
        B.init(file, bytes, type);
        file.#name = name;
        file.#lastModified = lastModified;
        return file;
      },
    };
  }
}
function fileRecord(self, member) {
  if (!F.isFile(self)) throw new TypeErrorCtor(`Failed to execute '${member}' on 'File': Illegal invocation.`);
  return self;
}
makeEnumerable(File, ["name", "lastModified"]);

exports.Blob = Blob;
exports.File = File;
exports.isBlob = B.isBlob;
exports.isFile = F.isFile;
exports.blobBytes = B.bytes;
exports.blobType = B.type;
exports.makeBlob = makeBlob;
exports.makeFile = (bytes, name, type, lastModified = DateNow()) => F.make(bytes, name, type, lastModified);
