"use strict";
// r2Bucket bindings on Colony's local backend: the directory of a `disk` service, one record per
// object (runtime/storage/file_store.h; header {key, version, size, etag, uploaded, httpMetadata,
// customMetadata}, body = the object). head/get/put/delete/list with ranges, conditionals
// (onlyIf as an object or as Headers), httpMetadata (object or Headers) and customMetadata.
// workerd's R2 protocol to other services and multipart uploads are not implemented (the
// validator refuses r2Bucket bindings to anything but a disk service).

const {
  ArrayIsArray, ArrayPrototypePush, ArrayPrototypeSort, DateNow, JSONParse, JSONStringify,
  MathMin, ObjectFreeze, ObjectKeys, Symbol: SymbolCtor, TypeError: TypeErrorCtor,
  RangeError: RangeErrorCtor, Error: ErrorCtor, Uint8Array: Uint8ArrayCtor, Date: DateCtor,
  TypedArrayPrototypeSubarray, TypedArrayPrototypeGetByteLength,
} = internal.primordials;
const ops = internal.ops;
const { Response } = internal.require("fetch");
const { Headers } = internal.require("headers");
const encoding = internal.require("encoding");
const { ReadableStream } = internal.require("streams");
const { Blob } = internal.require("blob");
const cryptoModule = internal.require("crypto");

const kToken = SymbolCtor("r2");
const encoder = new encoding.TextEncoder();
const decoder = new encoding.TextDecoder();
const kMaxKeyBytes = 1024;
const kHttpFields = ["contentType", "contentLanguage", "contentDisposition", "contentEncoding", "cacheControl", "cacheExpiry"];
const kHeaderOf = {
  contentType: "content-type", contentLanguage: "content-language", contentDisposition: "content-disposition",
  contentEncoding: "content-encoding", cacheControl: "cache-control", cacheExpiry: "expires",
};

function hex(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return out;
}

function checkKey(key) {
  key = `${key}`;
  const size = TypedArrayPrototypeGetByteLength(encoder.encode(key));
  if (size > kMaxKeyBytes) throw new ErrorCtor(`R2 key is too long: ${size} bytes (the limit is ${kMaxKeyBytes}).`);
  return key;
}

async function valueBytes(value) {
  if (value === null || value === undefined) return new Uint8ArrayCtor(0);
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8ArrayCtor(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8ArrayCtor(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (value instanceof ReadableStream || value instanceof Blob) return new Uint8ArrayCtor(await new Response(value).arrayBuffer());
  throw new TypeErrorCtor("R2 put() accepts only null, strings, ArrayBuffers, ArrayBufferViews, Blobs and ReadableStreams as values.");
}

function httpMetadataOf(input) {
  const out = {};
  if (input === undefined || input === null) return out;
  if (input instanceof Headers) {
    for (const field of kHttpFields) {
      const value = input.get(kHeaderOf[field]);
      if (value !== null) out[field] = field === "cacheExpiry" ? new DateCtor(value).getTime() : value;
    }
    return out;
  }
  for (const field of kHttpFields) {
    if (input[field] === undefined) continue;
    out[field] = field === "cacheExpiry" ? new DateCtor(input[field]).getTime() : `${input[field]}`;
  }
  return out;
}

function customMetadataOf(input) {
  const out = {};
  if (input === undefined || input === null) return out;
  for (const name of ObjectKeys(input)) out[name] = `${input[name]}`;
  return out;
}

function publicHttpMetadata(meta) {
  const out = {};
  for (const field of kHttpFields) {
    if (meta[field] === undefined) continue;
    out[field] = field === "cacheExpiry" ? new DateCtor(meta[field]) : meta[field];
  }
  return out;
}

class R2Object {
  #meta;
  constructor(token, meta, range) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#meta = meta;
    this.key = meta.key;
    this.version = meta.version;
    this.size = meta.size;
    this.etag = meta.etag;
    this.httpEtag = `"${meta.etag}"`;
    this.checksums = { md5: hexToBuffer(meta.etag) };
    this.uploaded = new DateCtor(meta.uploaded);
    this.httpMetadata = publicHttpMetadata(meta.httpMetadata);
    this.customMetadata = { ...meta.customMetadata };
    this.range = range;
    this.storageClass = "Standard";
  }
  writeHttpMetadata(headers) {
    const meta = this.#meta.httpMetadata;
    for (const field of kHttpFields) {
      if (meta[field] === undefined) continue;
      headers.set(kHeaderOf[field], field === "cacheExpiry" ? new DateCtor(meta[field]).toUTCString() : meta[field]);
    }
  }
}

function hexToBuffer(text) {
  const bytes = new Uint8ArrayCtor(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.substr(i * 2, 2), 16);
  return bytes.buffer;
}

class R2ObjectBody extends R2Object {
  #bytes;
  #response;
  constructor(token, meta, range, bytes) {
    super(token, meta, range);
    this.#bytes = bytes;
    this.#response = new Response(bytes);
  }
  get body() { return this.#response.body; }
  get bodyUsed() { return this.#response.bodyUsed; }
  arrayBuffer() { return this.#response.arrayBuffer(); }
  bytes() { return this.#response.arrayBuffer().then((b) => new Uint8ArrayCtor(b)); }
  text() { return this.#response.text(); }
  json() { return this.#response.json(); }
  blob() { return this.#response.blob(); }
}

// onlyIf as {etagMatches, etagDoesNotMatch, uploadedBefore, uploadedAfter} or as Headers.
function conditionsOf(onlyIf) {
  if (onlyIf === undefined || onlyIf === null) return null;
  if (onlyIf instanceof Headers) {
    const out = {};
    const strip = (v) => v && v.replace(/^W\//, "").replace(/^"|"$/g, "");
    if (onlyIf.has("if-match")) out.etagMatches = strip(onlyIf.get("if-match"));
    if (onlyIf.has("if-none-match")) out.etagDoesNotMatch = strip(onlyIf.get("if-none-match"));
    if (onlyIf.has("if-unmodified-since")) out.uploadedBefore = new DateCtor(onlyIf.get("if-unmodified-since"));
    if (onlyIf.has("if-modified-since")) out.uploadedAfter = new DateCtor(onlyIf.get("if-modified-since"));
    return out;
  }
  return onlyIf;
}

function etagListMatches(list, etag) {
  const items = `${list}`.split(",");
  for (const item of items) {
    const tag = item.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
    if (tag === "*" || tag === etag) return true;
  }
  return false;
}

function conditionsHold(cond, meta) {
  if (cond === null) return true;
  if (cond.etagMatches !== undefined && !etagListMatches(cond.etagMatches, meta.etag)) return false;
  if (cond.etagDoesNotMatch !== undefined && etagListMatches(cond.etagDoesNotMatch, meta.etag)) return false;
  // Uploaded times are compared at one-second granularity, as HTTP dates are.
  const uploaded = Math.floor(meta.uploaded / 1000);
  if (cond.uploadedBefore !== undefined && !(uploaded < Math.floor(new DateCtor(cond.uploadedBefore).getTime() / 1000))) return false;
  if (cond.uploadedAfter !== undefined && !(uploaded > Math.floor(new DateCtor(cond.uploadedAfter).getTime() / 1000))) return false;
  return true;
}

function rangeOf(range, size) {
  if (range === undefined || range === null) return null;
  if (range instanceof Headers) {
    const header = range.get("range");
    if (header === null) return null;
    const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
    if (m === null || (m[1] === "" && m[2] === "")) throw new RangeErrorCtor(`Invalid range header: ${header}`);
    if (m[1] === "") return rangeOf({ suffix: Number(m[2]) }, size);
    const offset = Number(m[1]);
    return rangeOf(m[2] === "" ? { offset } : { offset, length: Number(m[2]) - offset + 1 }, size);
  }
  if (range.suffix !== undefined) {
    const suffix = MathMin(Number(range.suffix), size);
    return { offset: size - suffix, length: suffix };
  }
  const offset = range.offset === undefined ? 0 : Number(range.offset);
  if (offset > size) throw new RangeErrorCtor(`Range offset ${offset} is beyond the object's size (${size}).`);
  const length = range.length === undefined ? size - offset : MathMin(Number(range.length), size - offset);
  return { offset, length };
}

class R2Bucket {
  #dir; #writable; #service;
  constructor(token, dir, writable, service) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#dir = dir;
    this.#writable = writable;
    this.#service = service;
  }

  #read(key) {
    const record = ops.storeRead(this.#dir, key, false);
    if (record === undefined) return null;
    const meta = JSONParse(record[0]);
    if (meta.key !== key) return null;
    return { meta, bytes: record[1] };
  }

  #checkWritable(method) {
    if (!this.#writable) {
      throw new ErrorCtor(`R2 ${method} failed: disk service "${this.#service}" is not writable; set writable = true`);
    }
  }

  async head(key) {
    const found = this.#read(checkKey(key));
    return found === null ? null : new R2Object(kToken, found.meta, undefined);
  }

  async get(key, options) {
    const found = this.#read(checkKey(key));
    if (found === null) return null;
    const cond = conditionsOf(options && options.onlyIf);
    if (!conditionsHold(cond, found.meta)) return new R2Object(kToken, found.meta, undefined);
    const range = rangeOf(options && options.range, found.meta.size);
    if (range === null) return new R2ObjectBody(kToken, found.meta, { offset: 0, length: found.meta.size }, found.bytes);
    return new R2ObjectBody(kToken, found.meta, range,
                            TypedArrayPrototypeSubarray(found.bytes, range.offset, range.offset + range.length));
  }

  async put(key, value, options) {
    key = checkKey(key);
    this.#checkWritable("put");
    const bytes = await valueBytes(value);
    options = options || {};
    const cond = conditionsOf(options.onlyIf);
    if (cond !== null) {
      const existing = this.#read(key);
      if (existing !== null && !conditionsHold(cond, existing.meta)) return null;
      if (existing === null && cond.etagMatches !== undefined) return null;
    }
    const etag = hex(new Uint8ArrayCtor(await cryptoModule.crypto.subtle.digest("MD5", bytes)));
    if (options.md5 !== undefined) {
      const given = typeof options.md5 === "string" ? options.md5.toLowerCase() : hex(new Uint8ArrayCtor(options.md5.buffer || options.md5));
      if (given !== etag) throw new ErrorCtor("put: The Content-MD5 you specified did not match what we received. (10037)");
    }
    const meta = {
      key, version: hex(cryptoModule.crypto.getRandomValues(new Uint8ArrayCtor(16))),
      size: TypedArrayPrototypeGetByteLength(bytes), etag, uploaded: DateNow(),
      httpMetadata: httpMetadataOf(options.httpMetadata), customMetadata: customMetadataOf(options.customMetadata),
    };
    ops.storeWrite(this.#dir, key, JSONStringify(meta), bytes);
    return new R2Object(kToken, meta, undefined);
  }

  async delete(keys) {
    this.#checkWritable("delete");
    const list = ArrayIsArray(keys) ? keys : [keys];
    for (const key of list) ops.storeDelete(this.#dir, checkKey(key));
  }

  async list(options) {
    options = options || {};
    const prefix = options.prefix === undefined ? "" : `${options.prefix}`;
    let limit = options.limit === undefined ? 1000 : Number(options.limit);
    if (!(limit >= 1 && limit <= 1000)) throw new RangeErrorCtor("list: limit must be between 1 and 1000.");
    const delimiter = options.delimiter === undefined ? null : `${options.delimiter}`;
    let after = options.startAfter === undefined ? null : `${options.startAfter}`;
    if (options.cursor !== undefined && options.cursor !== null && options.cursor !== "") {
      after = decoder.decode(Uint8ArrayCtor.from(encoding.atob(`${options.cursor}`), (c) => c.charCodeAt(0)));
    }
    const include = ArrayIsArray(options.include) ? options.include : [];
    const metas = [];
    for (const header of ops.storeHeaders(this.#dir)) {
      let meta;
      try { meta = JSONParse(header); } catch { continue; }
      if (typeof meta.key !== "string" || !meta.key.startsWith(prefix)) continue;
      if (after !== null && meta.key <= after) continue;
      ArrayPrototypePush(metas, meta);
    }
    ArrayPrototypeSort(metas, (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const objects = [];
    const prefixes = [];
    let last = null;
    let truncated = false;
    for (const meta of metas) {
      if (objects.length + prefixes.length >= limit) { truncated = true; break; }
      if (delimiter !== null) {
        const at = meta.key.indexOf(delimiter, prefix.length);
        if (at !== -1) {
          const group = meta.key.slice(0, at + delimiter.length);
          if (prefixes.indexOf(group) === -1) ArrayPrototypePush(prefixes, group);
          last = meta.key;
          continue;
        }
      }
      const object = new R2Object(kToken, meta, undefined);
      if (include.indexOf("httpMetadata") === -1) object.httpMetadata = undefined;
      if (include.indexOf("customMetadata") === -1) object.customMetadata = undefined;
      ArrayPrototypePush(objects, object);
      last = meta.key;
    }
    const result = { objects, truncated, delimitedPrefixes: prefixes };
    if (truncated) result.cursor = encoding.btoa(String.fromCharCode(...encoder.encode(last)));
    return result;
  }

  createMultipartUpload() {
    throw new ErrorCtor("R2 multipart uploads are not supported by Colony's local R2 backend yet.");
  }
}

exports.R2Bucket = R2Bucket;
exports.makeR2Bucket = (desc) => ObjectFreeze(new R2Bucket(kToken, desc.dir, desc.writable, desc.service));
