"use strict";
// Colony's local R2 backend: the directory of a `disk` service answers the requests of workerd's
// R2 binding protocol (the R2BindingRequest JSON runtime/js/r2.js builds) without leaving the
// process. One record per object (runtime/storage/file_store.h; header {key, version, size, etag,
// uploaded, httpMetadata, customMetadata, checksums}, body = the object). A multipart upload is a
// directory `.multipart/<uploadId>` of records: "upload" (key and metadata) and one "part:N" per
// part (header {part, size, md5, etag}, body = the part); completing it streams the parts into
// the object's record natively. A value given as a ReadableStream (a put or a part) is hashed as
// it is read and, once larger than one piece, written to a spool directory `.put/<id>` a piece at
// a time, then copied into its record natively: it is never whole in memory. Everything is on
// disk, so every runtime process sees the same bucket and uploads survive restarts (see
// runtime/storage/README.md).
//
// call(request, value) answers {status, error?: {v4code, message}, meta?, bytes?} (bytes: a get's
// body, a Uint8Array or a ReadableStream) where meta is
// the response JSON workerd's protocol carries (objects as {name, version, size, etag, uploaded,
// httpFields, customFields, range, checksums, storageClass}).

const {
  ArrayIsArray, JSONParse, JSONStringify, Uint8Array: Uint8ArrayCtor, Error: ErrorCtor, TypeError: TypeErrorCtor,
  ArrayBufferIsView, MathMin, MathMax,
} = internal.primordials;
const ops = internal.ops;
const encoding = internal.require("encoding");
const cryptoModule = internal.require("crypto");
const { hex, fromHex } = internal.require("util");
const { ReadableStream } = internal.require("streams");

const encoder = new encoding.TextEncoder();
const decoder = new encoding.TextDecoder();
const kMaxKeyBytes = 1024;
const kMinPartSize = 5 * 1024 * 1024;  // every part but the last, as R2 requires
const kUploadIdPattern = /^[0-9a-f]{32}$/;
// An upload neither completed nor aborted this long after it was created is aborted, as R2 does.
const kUploadLifetimeMs = 7 * 24 * 3600 * 1000;
const kChunk = 1024 * 1024;  // bodies larger than this are streamed from the file in chunks
// A streamed value is held in memory up to this size, then written to its spool a piece at a time.
const kPieceBytes = 8 * 1024 * 1024;
// A spool left by a process that died while reading its stream is removed by a later one.
const kSpoolLifetimeMs = 24 * 3600 * 1000;
const kChecksumNames = { md5: ["0", "MD5"], sha1: ["1", "SHA-1"], sha256: ["2", "SHA-256"], sha384: ["3", "SHA-384"], sha512: ["4", "SHA-512"] };

// R2's errors (status, v4 code, message), as the R2 service words them.
const kErrors = {
  noSuchKey: [404, 10007, "The specified key does not exist."],
  entityTooSmall: [400, 10011, "Your proposed upload is smaller than the minimum allowed object size."],
  invalidMaxKeys: [400, 10022, "MaxKeys params must be positive integer <= 1000."],
  noSuchUpload: [404, 10024, "The specified multipart upload does not exist."],
  invalidPart: [400, 10025, "One or more of the specified parts could not be found."],
  invalidArgument: [400, 10029, "Metadata missing or invalid"],
  preconditionFailed: [412, 10031, "At least one of the pre-conditions you specified did not hold."],
  badDigest: [400, 10037, "The Content-MD5 you specified did not match what we received."],
  invalidRange: [416, 10039, "The requested range is not satisfiable"],
  badUpload: [400, 10048, "There was a problem with the multipart upload."],
};

function fail(name, meta, message) {
  const [status, v4code, text] = kErrors[name];
  const out = { status, error: { v4code, message: message || text } };
  if (meta !== undefined) out.meta = meta;
  return out;
}

function ok(meta, bytes) {
  const out = { status: 200, meta };
  if (bytes !== undefined) out.bytes = bytes;
  return out;
}

function randomHex(n) {
  return hex(cryptoModule.crypto.getRandomValues(new Uint8ArrayCtor(n)));
}

async function digestHex(algorithm, bytes) {
  return hex(new Uint8ArrayCtor(await cryptoModule.crypto.subtle.digest(algorithm, bytes)));
}

function keyTooLong(key) {
  const size = encoder.encode(key).byteLength;
  return size > kMaxKeyBytes ? new ErrorCtor(`R2 key is too long: ${size} bytes (the limit is ${kMaxKeyBytes}).`) : null;
}

// The wire form of a stored object; `http` / `custom` say whether its metadata goes along.
function wireObject(meta, http, custom) {
  const out = {
    name: meta.key, version: meta.version, size: meta.size, etag: meta.etag, uploaded: meta.uploaded,
    storageClass: "Standard",
  };
  const checksums = meta.checksums || (/^[0-9a-f]{32}$/.test(meta.etag) ? { 0: meta.etag } : {});
  out.checksums = checksums;
  if (http) out.httpFields = meta.httpMetadata || {};
  if (custom) {
    const fields = [];
    const custom = meta.customMetadata || {};
    for (const k of Object.keys(custom)) fields.push({ k, v: custom[k] });
    out.customFields = fields;
  }
  return out;
}

function customOf(fields) {
  const out = {};
  if (ArrayIsArray(fields)) for (const { k, v } of fields) out[k] = `${v}`;
  return out;
}

function httpOf(fields) {
  const out = {};
  if (fields === undefined || fields === null) return out;
  for (const name of ["contentType", "contentLanguage", "contentDisposition", "contentEncoding", "cacheControl"]) {
    if (fields[name] !== undefined) out[name] = `${fields[name]}`;
  }
  if (fields.cacheExpiry !== undefined) out.cacheExpiry = Number(fields.cacheExpiry);
  return out;
}

function etagsMatch(list, etag) {
  for (const item of list) {
    if (item.type === "wildcard" || item.value === etag) return true;
  }
  return false;
}

// R2's conditional semantics: a matching If-Match overrides If-Unmodified-Since and a failing
// If-None-Match overrides If-Modified-Since, as in HTTP.
function conditionHolds(cond, meta) {
  if (cond === undefined || cond === null) return true;
  if (meta === null) return cond.etagMatches === undefined || cond.etagMatches.length === 0;
  const granular = (ms) => (cond.secondsGranularity ? Math.floor(ms / 1000) * 1000 : ms);
  const uploaded = granular(meta.uploaded);
  let ifMatch = null;
  if (ArrayIsArray(cond.etagMatches) && cond.etagMatches.length) {
    ifMatch = etagsMatch(cond.etagMatches, meta.etag);
    if (!ifMatch) return false;
  }
  let ifNoneMatch = null;
  if (ArrayIsArray(cond.etagDoesNotMatch) && cond.etagDoesNotMatch.length) {
    ifNoneMatch = !etagsMatch(cond.etagDoesNotMatch, meta.etag);
    if (!ifNoneMatch) return false;
  }
  if (ifMatch !== true && cond.uploadedBefore !== undefined && uploaded > granular(Number(cond.uploadedBefore))) return false;
  if (ifNoneMatch !== true && cond.uploadedAfter !== undefined && uploaded <= granular(Number(cond.uploadedAfter))) return false;
  return true;
}

// {offset, length} of the request's range within `size`; null for the whole object; false when
// it cannot be satisfied.
function rangeOf(request, size) {
  let range = request.range;
  if (request.rangeHeader !== undefined) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(`${request.rangeHeader}`.trim());
    if (m === null || (m[1] === "" && m[2] === "")) return false;
    if (m[1] === "") range = { suffix: m[2] };
    else range = m[2] === "" ? { offset: m[1] } : { offset: m[1], length: Number(m[2]) - Number(m[1]) + 1 };
  }
  if (range === undefined || range === null) return null;
  if (range.suffix !== undefined) {
    const suffix = Math.min(Number(range.suffix), size);
    return { offset: size - suffix, length: suffix };
  }
  const offset = range.offset === undefined ? 0 : Number(range.offset);
  if (offset > size || (offset === size && size > 0 && range.length !== undefined && Number(range.length) > 0)) return false;
  const length = range.length === undefined ? size - offset : Math.min(Number(range.length), size - offset);
  return { offset, length };
}

class DiskBackend {
  #dir; #writable; #service;
  constructor(dir, writable, service) {
    this.readsStreams = true;  // put and uploadPart values may be ReadableStreams (see #take)
    this.#dir = dir;
    this.#writable = writable;
    this.#service = service;
  }

  // The object's header and where its body lies (the body is not read).
  #read(key) {
    const found = ops.storeLocate(this.#dir, key);
    if (found === undefined) return null;
    const meta = JSONParse(found[0]);
    if (meta.key !== key) return null;
    return { meta, bodyOffset: found[1], version: found[3] };
  }

  // `length` bytes of the object's body from `offset`: bytes when small, else a stream reading the
  // file a chunk at a time (the object is never held whole in memory). A stream errors when the
  // object is replaced while it is read.
  #body(key, found, offset, length) {
    const dir = this.#dir;
    const start = found.bodyOffset + offset;
    if (length <= kChunk) return ops.storeReadBody(dir, key, found.version, start, length);
    let done = 0;
    return new ReadableStream({
      pull(controller) {
        const n = Math.min(kChunk, length - done);
        const chunk = ops.storeReadBody(dir, key, found.version, start + done, n);
        if (chunk.byteLength < n) throw new ErrorCtor(`R2 object "${key}" is shorter than its recorded size`);
        done += n;
        controller.enqueue(chunk);
        if (done >= length) controller.close();
      },
    });
  }

  #checkWritable(method) {
    if (!this.#writable) {
      throw new ErrorCtor(`R2 ${method} failed: disk service "${this.#service}" is not writable; set writable = true`);
    }
  }

  #uploadDir(uploadId) { return `${this.#dir}/.multipart/${uploadId}`; }

  // The upload's record, or null when there is no such upload for `key` (or it has expired).
  #upload(key, uploadId) {
    const upload = this.#liveUpload(uploadId);
    return upload !== null && upload.key === key ? upload : null;
  }

  // The record of an upload not yet expired; an expired one is removed.
  #liveUpload(uploadId) {
    if (typeof uploadId !== "string" || !kUploadIdPattern.test(uploadId)) return null;
    const record = ops.storeRead(this.#uploadDir(uploadId), "upload", false);
    if (record === undefined) return null;
    const upload = JSONParse(record[0]);
    if (Date.now() - upload.created >= kUploadLifetimeMs) {
      if (this.#writable) ops.storeRemoveTree(this.#uploadDir(uploadId));
      return null;
    }
    return upload;
  }

  async call(request, value) {
    const key = request.object === undefined ? undefined : `${request.object}`;
    if (key !== undefined) {
      const problem = keyTooLong(key);
      if (problem !== null) throw problem;
    }
    switch (request.method) {
      case "head": {
        const found = this.#read(key);
        return found === null ? fail("noSuchKey") : ok(wireObject(found.meta, true, true));
      }
      case "get": return this.#get(key, request);
      case "put": return this.#put(key, request, value);
      case "delete": {
        this.#checkWritable("delete");
        const keys = ArrayIsArray(request.objects) ? request.objects : [key];
        for (const k of keys) {
          const problem = keyTooLong(`${k}`);
          if (problem !== null) throw problem;
        }
        for (const k of keys) ops.storeDelete(this.#dir, `${k}`, true);
        return ok({});
      }
      case "list": return this.#list(request);
      case "createMultipartUpload": {
        this.#checkWritable("createMultipartUpload");
        // Uploads left behind go as new ones come (a directory of their own each, kept on disk).
        for (const id of ops.storeSubdirectories(`${this.#dir}/.multipart`)) this.#liveUpload(id);
        const uploadId = randomHex(16);
        const upload = {
          key, created: Date.now(), httpMetadata: httpOf(request.httpFields), customMetadata: customOf(request.customFields),
        };
        ops.storeWrite(this.#uploadDir(uploadId), "upload", JSONStringify(upload), new Uint8ArrayCtor(0), true);
        return ok({ uploadId });
      }
      case "uploadPart": return this.#uploadPart(key, request, value);
      case "completeMultipartUpload": return this.#complete(key, request);
      case "abortMultipartUpload": {
        this.#checkWritable("abortMultipartUpload");
        if (this.#upload(key, request.uploadId) === null) return fail("noSuchUpload");
        ops.storeRemoveTree(this.#uploadDir(request.uploadId));
        return ok({});
      }
      default:
        return fail("invalidArgument");
    }
  }

  #get(key, request) {
    const found = this.#read(key);
    if (found === null) return fail("noSuchKey");
    const meta = found.meta;
    if (!conditionHolds(request.onlyIf, meta)) return fail("preconditionFailed", wireObject(meta, true, true));
    const range = rangeOf(request, meta.size);
    if (range === false) return fail("invalidRange");
    const wire = wireObject(meta, true, true);
    if (range === null) {
      wire.range = { offset: 0, length: meta.size };
      return ok(wire, this.#body(key, found, 0, meta.size));
    }
    wire.range = range;
    return ok(wire, this.#body(key, found, range.offset, range.length));
  }

  #conditionFails(key, request) {
    if (request.onlyIf === undefined) return false;
    const existing = this.#read(key);
    return !conditionHolds(request.onlyIf, existing === null ? null : existing.meta);
  }

  async #put(key, request, value) {
    this.#checkWritable("put");
    // Checked before the value is read (a stream may be long), and again before it is stored.
    if (this.#conditionFails(key, request)) return fail("preconditionFailed");
    const names = ["sha1", "sha256", "sha384", "sha512"].filter((name) => request[name] !== undefined);
    const body = await this.#take(value, ["MD5", ...names.map((name) => kChecksumNames[name][1])]);
    try {
      const md5 = body.digests[0];
      const checksums = { 0: md5 };
      if (request.md5 !== undefined) {
        const given = hex(Uint8ArrayCtor.from(encoding.atob(`${request.md5}`), (c) => c.charCodeAt(0)));
        if (given !== md5) return fail("badDigest");
      }
      for (let i = 0; i < names.length; i++) {
        const [id, algorithm] = kChecksumNames[names[i]];
        const actual = body.digests[i + 1];
        if (`${request[names[i]]}`.toLowerCase() !== actual) {
          return fail("badDigest", undefined, `The ${algorithm} checksum you specified did not match what we received.`);
        }
        checksums[id] = actual;
      }
      if (this.#conditionFails(key, request)) return fail("preconditionFailed");
      const meta = {
        key, version: randomHex(16), size: body.size, etag: md5, uploaded: Date.now(),
        httpMetadata: httpOf(request.httpFields), customMetadata: customOf(request.customFields), checksums,
      };
      this.#store(this.#dir, key, JSONStringify(meta), body);
      return ok(wireObject(meta, true, true));
    } finally {
      this.#discard(body);
    }
  }

  // A value's bytes and their digests (hex, one per algorithm, in order): {size, digests, bytes}
  // for bytes and short streams; a longer stream is left in its spool as {size, digests, spool,
  // pieces}. The caller stores it (#store) or not, then calls #discard.
  async #take(value, algorithms) {
    if (!(value instanceof ReadableStream)) {
      const digests = [];
      for (const algorithm of algorithms) digests.push(await digestHex(algorithm, value));
      return { size: value.byteLength, digests, bytes: value };
    }
    const reader = value.getReader();
    const hashes = algorithms.map((algorithm) => ops.cryptoDigestNew(algorithm));
    let buffer = new Uint8ArrayCtor(0);
    let filled = 0;
    let size = 0;
    let spool = null;
    const pieces = [];
    const writePiece = (bytes) => {
      if (spool === null) spool = this.#newSpool();
      ops.storeWrite(spool, `piece:${pieces.length}`, "{}", bytes);
      pieces.push(`piece:${pieces.length}`);
    };
    try {
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        if (!ArrayBufferIsView(chunk)) {
          throw new TypeErrorCtor("This ReadableStream did not return bytes: body chunks must be Uint8Array.");
        }
        let bytes = new Uint8ArrayCtor(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        for (const hash of hashes) ops.cryptoDigestUpdate(hash, bytes);
        size += bytes.byteLength;
        while (bytes.byteLength > 0) {
          if (filled === buffer.byteLength) {
            if (filled === kPieceBytes) {
              writePiece(buffer);
              filled = 0;
            } else {
              // Grown as the value turns out larger, so a short stream costs no whole piece.
              const wanted = MathMax(64 * 1024, 2 * buffer.byteLength, filled + bytes.byteLength);
              const larger = new Uint8ArrayCtor(MathMin(kPieceBytes, wanted));
              larger.set(buffer.subarray(0, filled));
              buffer = larger;
            }
          }
          const n = MathMin(buffer.byteLength - filled, bytes.byteLength);
          buffer.set(bytes.subarray(0, n), filled);
          filled += n;
          bytes = bytes.subarray(n);
        }
      }
      const digests = hashes.map((hash) => hex(new Uint8ArrayCtor(ops.cryptoDigestFinish(hash))));
      if (spool === null) return { size, digests, bytes: buffer.subarray(0, filled) };
      if (filled > 0) writePiece(buffer.subarray(0, filled));
      return { size, digests, spool, pieces };
    } catch (e) {
      if (spool !== null) ops.storeRemoveTree(spool);
      reader.cancel(e).catch(() => {});
      throw e;
    } finally {
      reader.releaseLock();
    }
  }

  // A new spool directory for a long streamed value; spools left behind by processes that died
  // while reading theirs are removed first.
  #newSpool() {
    const root = `${this.#dir}/.put`;
    const now = Date.now();
    for (const id of ops.storeSubdirectories(root)) {
      // (One without its record yet is being made by another process.)
      const record = ops.storeRead(`${root}/${id}`, "spool", false);
      if (record !== undefined && now - JSONParse(record[0]).created >= kSpoolLifetimeMs) {
        ops.storeRemoveTree(`${root}/${id}`);
      }
    }
    const spool = `${root}/${randomHex(16)}`;
    ops.storeWrite(spool, "spool", JSONStringify({ created: now }), new Uint8ArrayCtor(0));
    return spool;
  }

  // Stores what #take() returned as the record `key` of `dir`, synced to disk (spool pieces are
  // not: they are only a step on the way).
  #store(dir, key, header, body) {
    if (body.spool === undefined) ops.storeWrite(dir, key, header, body.bytes, true);
    else ops.storeConcat(dir, key, header, body.spool, body.pieces, true);
  }

  #discard(body) {
    if (body.spool !== undefined) ops.storeRemoveTree(body.spool);
  }

  #list(request) {
    const prefix = request.prefix === undefined ? "" : `${request.prefix}`;
    const limit = request.limit === undefined ? 1000 : Number(request.limit);
    if (!(limit >= 1 && limit <= 1000) || Math.floor(limit) !== limit) return fail("invalidMaxKeys");
    const delimiter = request.delimiter === undefined || request.delimiter === "" ? null : `${request.delimiter}`;
    let after = request.startAfter === undefined ? null : `${request.startAfter}`;
    if (request.cursor !== undefined && request.cursor !== "") {
      const cursor = decoder.decode(Uint8ArrayCtor.from(encoding.atob(`${request.cursor}`), (c) => c.charCodeAt(0)));
      if (after === null || cursor > after) after = cursor;
    }
    const include = ArrayIsArray(request.include) ? request.include.map(Number) : [];
    const metas = [];
    for (const header of ops.storeHeaders(this.#dir)) {
      let meta;
      try { meta = JSONParse(header); } catch { continue; }
      if (typeof meta.key !== "string" || !meta.key.startsWith(prefix)) continue;
      if (after !== null && meta.key <= after) continue;
      metas.push(meta);
    }
    metas.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const objects = [];
    const prefixes = [];
    let last = null;
    let truncated = false;
    for (const meta of metas) {
      let group = null;
      if (delimiter !== null) {
        const at = meta.key.indexOf(delimiter, prefix.length);
        if (at !== -1) group = meta.key.slice(0, at + delimiter.length);
      }
      if (group !== null && prefixes.indexOf(group) !== -1) { last = meta.key; continue; }
      if (objects.length + prefixes.length >= limit) { truncated = true; break; }
      if (group !== null) prefixes.push(group);
      else objects.push(wireObject(meta, include.indexOf(0) !== -1, include.indexOf(1) !== -1));
      last = meta.key;
    }
    const result = { objects, truncated, delimitedPrefixes: prefixes };
    if (truncated) result.cursor = encoding.btoa(String.fromCharCode(...encoder.encode(last)));
    return ok(result);
  }

  async #uploadPart(key, request, value) {
    this.#checkWritable("uploadPart");
    if (this.#upload(key, request.uploadId) === null) return fail("noSuchUpload");
    const part = Number(request.partNumber);
    const body = await this.#take(value, ["MD5"]);
    try {
      // The upload may have been completed or aborted while a stream was read.
      if (this.#upload(key, request.uploadId) === null) return fail("noSuchUpload");
      const header = { part, size: body.size, md5: body.digests[0], etag: randomHex(16) };
      this.#store(this.#uploadDir(request.uploadId), `part:${part}`, JSONStringify(header), body);
      return ok({ etag: header.etag });
    } finally {
      this.#discard(body);
    }
  }

  async #complete(key, request) {
    this.#checkWritable("completeMultipartUpload");
    const upload = this.#upload(key, request.uploadId);
    if (upload === null) return fail("noSuchUpload");
    const dir = this.#uploadDir(request.uploadId);
    const stored = new Map();
    for (const text of ops.storeHeaders(dir)) {
      const header = JSONParse(text);
      if (header.part !== undefined) stored.set(header.part, header);
    }
    const given = ArrayIsArray(request.parts) ? request.parts : [];
    if (given.length === 0) return fail("badUpload");
    const seen = new Set();
    const parts = [];
    for (const { part, etag } of given) {
      const header = stored.get(Number(part));
      if (seen.has(Number(part)) || header === undefined || header.etag !== etag) return fail("invalidPart");
      seen.add(Number(part));
      parts.push(header);
    }
    parts.sort((a, b) => a.part - b.part);
    // Every part but the last is at least the minimum size, and they all have the same size.
    const size0 = parts[0].size;
    for (let i = 0; i < parts.length - 1; i++) {
      if (parts[i].size < kMinPartSize) return fail("entityTooSmall");
      if (parts[i].size !== size0) return fail("badUpload");
    }
    if (parts.length > 1 && parts[parts.length - 1].size > size0) return fail("badUpload");
    const digests = new Uint8ArrayCtor(parts.length * 16);
    let size = 0;
    parts.forEach((p, i) => { digests.set(fromHex(p.md5), i * 16); size += p.size; });
    const meta = {
      key, version: randomHex(16), size, etag: `${await digestHex("MD5", digests)}-${parts.length}`,
      uploaded: Date.now(), httpMetadata: upload.httpMetadata, customMetadata: upload.customMetadata, checksums: {},
    };
    ops.storeConcat(this.#dir, key, JSONStringify(meta), dir, parts.map((p) => `part:${p.part}`), true);
    ops.storeRemoveTree(dir);
    return ok(wireObject(meta, true, true));
  }
}

exports.DiskBackend = DiskBackend;
