"use strict";
// r2Bucket bindings. The API builds the requests of workerd's R2 binding protocol (R2BindingRequest
// JSON: {version: 1, method, object, ...}, 64-bit numbers as strings) and reads its answers the way
// workerd does, whichever backend answers:
//  - any service but a `disk` service, over HTTP as workerd sends it: head/get/list as
//    `GET https://fake-host` with the request JSON in `CF-R2-Request`; put/delete and the
//    multipart methods as `PUT https://fake-host` whose body is the request JSON (its length in
//    `CF-R2-Metadata-Size`) followed by the value. The answer is the result JSON; a get's answer
//    has `CF-R2-Metadata-Size` bytes of JSON followed by the object. Failures have a status >= 400
//    and `CF-R2-Error: {"version", "v4code", "message"}` (404 with 10007: no such key; 412 with
//    10031: a condition failed, the JSON then describes the object).
//  - a `disk` service: Colony's local backend (runtime/js/r2_disk.js) answers the same requests
//    from the directory.

const {
  ArrayIsArray, JSONParse, JSONStringify, ObjectFreeze, ObjectKeys, Symbol: SymbolCtor,
  TypeError: TypeErrorCtor, RangeError: RangeErrorCtor, Error: ErrorCtor, Uint8Array: Uint8ArrayCtor,
  Date: DateCtor, NumberIsInteger,
} = internal.primordials;
const { Response } = internal.require("fetch");
const { Headers } = internal.require("headers");
const encoding = internal.require("encoding");
const { ReadableStream } = internal.require("streams");
const { Blob } = internal.require("blob");
const { DiskBackend } = internal.require("r2_disk");
const { hex, fromHex } = internal.require("util");

const kToken = SymbolCtor("r2");
const encoder = new encoding.TextEncoder();
const decoder = new encoding.TextDecoder();
const kHttpFields = ["contentType", "contentLanguage", "contentDisposition", "contentEncoding", "cacheControl", "cacheExpiry"];
const kHeaderOf = {
  contentType: "content-type", contentLanguage: "content-language", contentDisposition: "content-disposition",
  contentEncoding: "content-encoding", cacheControl: "cache-control", cacheExpiry: "expires",
};
const kChecksums = [["md5", "0", 16, "MD5"], ["sha1", "1", 20, "SHA-1"], ["sha256", "2", 32, "SHA-256"],
                    ["sha384", "3", 48, "SHA-384"], ["sha512", "4", 64, "SHA-512"]];
const kReadMethods = ["head", "get", "list"];

function bytesOf(view) {
  return new Uint8ArrayCtor(view.buffer, view.byteOffset, view.byteLength);
}

async function valueBytes(value) {
  if (value === null || value === undefined) return new Uint8ArrayCtor(0);
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8ArrayCtor(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8ArrayCtor(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (value instanceof ReadableStream || value instanceof Blob) return new Uint8ArrayCtor(await new Response(value).arrayBuffer());
  throw new TypeErrorCtor("R2 put() accepts only null, strings, ArrayBuffers, ArrayBufferViews, Blobs and ReadableStreams as values.");
}

function checkValueType(value, method) {
  if (value === null || value === undefined || typeof value === "string" || value instanceof ArrayBuffer ||
      ArrayBuffer.isView(value) || value instanceof ReadableStream || value instanceof Blob) return;
  throw new TypeErrorCtor(`R2 ${method}() accepts only null, strings, ArrayBuffers, ArrayBufferViews, Blobs and ReadableStreams as values.`);
}

function failure(action, error) {
  return new ErrorCtor(`${action}: ${error.message} (${error.v4code})`);
}

const notFound = (r) => r.status === 404 && r.error.v4code === 10007;
const preconditionFailed = (r) => r.status === 412 && (r.error.v4code === 10031 || r.error.v4code === 10032);

// ---- request building -----------------------------------------------------------------------

function wireHttpFields(input) {
  const out = {};
  if (input instanceof Headers) {
    for (const field of kHttpFields) {
      const value = input.get(kHeaderOf[field]);
      if (value !== null) out[field] = field === "cacheExpiry" ? `${new DateCtor(value).getTime()}` : value;
    }
    return out;
  }
  for (const field of kHttpFields) {
    if (input[field] === undefined) continue;
    out[field] = field === "cacheExpiry" ? `${new DateCtor(input[field]).getTime()}` : `${input[field]}`;
  }
  return out;
}

function wireCustomFields(input) {
  return ObjectKeys(input).map((k) => ({ k, v: `${input[k]}` }));
}

// An If-Match / If-None-Match header as a list of etags ({value, type}).
function parseEtagHeader(text) {
  const out = [];
  let rest = `${text}`.trim();
  while (rest.length) {
    if (rest[0] === ",") { rest = rest.slice(1).trim(); continue; }
    if (rest[0] === "*") return [{ type: "wildcard" }];
    let type = "strong";
    if (rest.startsWith("W/")) {
      type = "weak";
      rest = rest.slice(2);
      if (rest[0] !== "\"") throw new ErrorCtor("Weak etags must start with W/ and their value must be quoted");
    }
    if (rest[0] !== "\"") throw new ErrorCtor("Invalid conditional header");
    const end = rest.indexOf("\"", 1);
    if (end === -1) throw new ErrorCtor("Unclosed double quote for Etag");
    out.push({ value: rest.slice(1, end), type });
    rest = rest.slice(end + 1).trim();
    if (rest.length && rest[0] !== ",") throw new ErrorCtor("Comma was expected to separate etags.");
  }
  return out;
}

function singleEtag(value) {
  value = `${value}`;
  if (value.startsWith("\"") && value.endsWith("\"")) {
    throw new TypeErrorCtor(`Conditional ETag should not be wrapped in quotes (${value}).`);
  }
  return value === "*" ? [{ type: "wildcard" }] : [{ value, type: "strong" }];
}

function wireConditional(onlyIf) {
  const out = {};
  if (onlyIf instanceof Headers) {
    if (onlyIf.has("if-match")) out.etagMatches = parseEtagHeader(onlyIf.get("if-match"));
    if (onlyIf.has("if-none-match")) out.etagDoesNotMatch = parseEtagHeader(onlyIf.get("if-none-match"));
    if (onlyIf.has("if-unmodified-since")) out.uploadedBefore = `${new DateCtor(onlyIf.get("if-unmodified-since")).getTime()}`;
    if (onlyIf.has("if-modified-since")) out.uploadedAfter = `${new DateCtor(onlyIf.get("if-modified-since")).getTime()}`;
    if (out.uploadedBefore !== undefined || out.uploadedAfter !== undefined) out.secondsGranularity = true;
    return out;
  }
  if (onlyIf.etagMatches !== undefined) out.etagMatches = singleEtag(onlyIf.etagMatches);
  if (onlyIf.etagDoesNotMatch !== undefined) out.etagDoesNotMatch = singleEtag(onlyIf.etagDoesNotMatch);
  if (onlyIf.uploadedBefore !== undefined) out.uploadedBefore = `${new DateCtor(onlyIf.uploadedBefore).getTime()}`;
  if (onlyIf.uploadedAfter !== undefined) out.uploadedAfter = `${new DateCtor(onlyIf.uploadedAfter).getTime()}`;
  if (onlyIf.secondsGranularity && (out.uploadedBefore !== undefined || out.uploadedAfter !== undefined)) out.secondsGranularity = true;
  return out;
}

function checkRangeNumber(value, label) {
  value = Number(value);
  if (!(value >= 0)) throw new RangeErrorCtor(`Invalid range. ${label} (${value}) must be greater than or equal to 0.`);
  if (!NumberIsInteger(value)) throw new RangeErrorCtor(`Invalid range. ${label} (${value}) must be an integer, not floating point.`);
  return `${value}`;
}

// Fields in the order workerd writes them: range, onlyIf, rangeHeader.
function addGetOptions(request, options) {
  const range = options.range;
  const onlyIf = options.onlyIf === undefined || options.onlyIf === null ? undefined : wireConditional(options.onlyIf);
  if (range === undefined || range === null || range instanceof Headers) {
    if (onlyIf !== undefined) request.onlyIf = onlyIf;
    if (range instanceof Headers && range.has("range")) request.rangeHeader = range.get("range");
    return;
  }
  const out = {};
  if (range.offset !== undefined) out.offset = checkRangeNumber(range.offset, "Starting offset");
  if (range.length !== undefined) out.length = checkRangeNumber(range.length, "Length");
  if (range.suffix !== undefined) {
    if (range.offset !== undefined) throw new TypeErrorCtor("Suffix is incompatible with offset.");
    if (range.length !== undefined) throw new TypeErrorCtor("Suffix is incompatible with length.");
    const suffix = Number(range.suffix);
    if (!(suffix >= 0)) throw new RangeErrorCtor(`Invalid suffix. Suffix (${suffix}) must be greater than or equal to 0.`);
    if (!NumberIsInteger(suffix)) throw new RangeErrorCtor(`Invalid range. Suffix (${suffix}) must be an integer, not floating point.`);
    out.suffix = `${suffix}`;
  }
  request.range = out;
  if (onlyIf !== undefined) request.onlyIf = onlyIf;
}

function addChecksums(request, options) {
  let given = null;
  for (const [name, , size, label] of kChecksums) {
    const value = options[name];
    if (value === undefined) continue;
    if (given !== null) throw new TypeErrorCtor("You cannot specify multiple hashing algorithms.");
    given = name;
    let bytes;
    if (typeof value === "string") {
      if (value.length !== size * 2) throw new TypeErrorCtor(`${label} is ${size * 2} hex characters, not ${value.length}`);
      if (!/^[0-9a-fA-F]*$/.test(value)) throw new TypeErrorCtor(`Provided ${label} wasn't a valid hex string`);
      bytes = fromHex(value.toLowerCase());
    } else {
      bytes = value instanceof ArrayBuffer ? new Uint8ArrayCtor(value) : bytesOf(value);
      if (bytes.byteLength !== size) throw new TypeErrorCtor(`${label} is ${size} bytes, not ${bytes.byteLength}`);
    }
    // As workerd sends them: MD5 in base64, the others in hex.
    request[name] = name === "md5" ? encoding.btoa(String.fromCharCode(...bytes)) : hex(bytes);
  }
}

function checkPartNumber(partNumber) {
  const n = Number(partNumber);
  if (!(n >= 1 && n <= 10000)) {
    throw new TypeErrorCtor(`Part number must be between 1 and 10000 (inclusive). Actual value was: ${partNumber}`);
  }
  return Math.trunc(n);
}

// ---- answers ---------------------------------------------------------------------------------

class R2Checksums {
  constructor(token, wire) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    for (const [name, id] of kChecksums) {
      this[name] = wire && typeof wire[id] === "string" ? fromHex(wire[id]).buffer : undefined;
    }
  }
  toJSON() {
    const out = {};
    for (const [name] of kChecksums) {
      if (this[name] !== undefined) out[name] = hex(new Uint8ArrayCtor(this[name]));
    }
    return out;
  }
}

function httpMetadataOf(fields) {
  const out = {};
  for (const field of kHttpFields) {
    if (fields[field] === undefined || fields[field] === null) continue;
    out[field] = field === "cacheExpiry" ? new DateCtor(Number(fields[field])) : `${fields[field]}`;
  }
  return out;
}

class R2Object {
  constructor(token, wire, expectHttp, expectCustom) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.key = `${wire.name}`;
    this.version = `${wire.version}`;
    this.size = Number(wire.size);
    this.etag = `${wire.etag}`;
    this.httpEtag = `"${wire.etag}"`;
    this.checksums = new R2Checksums(kToken, wire.checksums);
    this.uploaded = new DateCtor(Number(wire.uploaded));
    this.httpMetadata = wire.httpFields ? httpMetadataOf(wire.httpFields) : expectHttp ? {} : undefined;
    if (ArrayIsArray(wire.customFields)) {
      const custom = {};
      for (const { k, v } of wire.customFields) custom[k] = v;
      this.customMetadata = custom;
    } else {
      this.customMetadata = expectCustom ? {} : undefined;
    }
    this.range = wire.range ? { offset: Number(wire.range.offset || 0), length: Number(wire.range.length) } : undefined;
    this.storageClass = wire.storageClass === undefined ? "" : `${wire.storageClass}`;
  }
  writeHttpMetadata(headers) {
    if (this.httpMetadata === undefined) {
      throw new TypeErrorCtor(`HTTP metadata unknown for key \`${this.key}\`. Did you forget to add 'httpMetadata' to \`include\` when listing?`);
    }
    const meta = this.httpMetadata;
    for (const field of kHttpFields) {
      if (meta[field] === undefined) continue;
      headers.set(kHeaderOf[field], field === "cacheExpiry" ? meta[field].toUTCString() : meta[field]);
    }
  }
}

class R2ObjectBody extends R2Object {
  #response;
  constructor(token, wire, body) {
    super(token, wire, true, true);
    const headers = this.httpMetadata.contentType === undefined ? {} : { "content-type": this.httpMetadata.contentType };
    this.#response = new Response(body === undefined ? null : body, { headers });
  }
  get body() { return this.#response.body; }
  get bodyUsed() { return this.#response.bodyUsed; }
  arrayBuffer() { return this.#response.arrayBuffer(); }
  bytes() { return this.#response.arrayBuffer().then((b) => new Uint8ArrayCtor(b)); }
  text() { return this.#response.text(); }
  json() { return this.#response.json(); }
  blob() { return this.#response.blob(); }
}

// ---- workerd's R2 protocol over HTTP -----------------------------------------------------------

// JSON with every non-ASCII character escaped, so that it is a valid header value.
function asciiJson(value) {
  return JSONStringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function errorOf(response) {
  const header = response.headers.get("cf-r2-error");
  let error = { version: 0, v4code: 0, message: "Unspecified error" };
  if (header !== null) {
    try { error = JSONParse(header); } catch { /* keep the generic error */ }
  }
  return { v4code: Number(error.v4code || 0), message: `${error.message === undefined ? "" : error.message}` };
}

// Splits a body into its first `size` bytes (the metadata JSON) and a stream of the rest.
async function splitBody(stream, size) {
  if (stream === null) {
    if (size !== 0) throw new ErrorCtor("R2 metadata buffer not read fully/overflow?");
    return { meta: {}, body: null };
  }
  const reader = stream.getReader();
  const chunks = [];
  let have = 0;
  while (have < size) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    have += value.byteLength;
  }
  if (have < size) throw new ErrorCtor("R2 metadata buffer not read fully/overflow?");
  const all = new Uint8ArrayCtor(have);
  let at = 0;
  for (const chunk of chunks) { all.set(chunk, at); at += chunk.byteLength; }
  const meta = JSONParse(decoder.decode(all.subarray(0, size)) || "{}");
  const rest = all.subarray(size);
  const body = new ReadableStream({
    start(controller) { if (rest.byteLength) controller.enqueue(rest); },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) { return reader.cancel(reason); },
  });
  return { meta, body };
}

class ServiceBackend {
  #fetcher;
  constructor(fetcher) { this.#fetcher = fetcher; }

  async call(request, value) {
    let response;
    if (kReadMethods.indexOf(request.method) !== -1) {
      response = await this.#fetcher.fetch("https://fake-host", { headers: { "cf-r2-request": asciiJson(request) } });
      const result = { status: response.status, error: response.status >= 400 ? errorOf(response) : null };
      const size = response.headers.get("cf-r2-metadata-size");
      if (size === null) {
        if (response.body !== null) await response.body.cancel();
        return result;
      }
      const split = await splitBody(response.body, Number(size));
      result.meta = split.meta;
      result.body = split.body;
      return result;
    }
    const meta = encoder.encode(JSONStringify(request));
    const bytes = value === undefined || value === null ? new Uint8ArrayCtor(0) : value;
    const body = new Uint8ArrayCtor(meta.byteLength + bytes.byteLength);
    body.set(meta);
    body.set(bytes, meta.byteLength);
    response = await this.#fetcher.fetch("https://fake-host", {
      method: "PUT", headers: { "cf-r2-metadata-size": `${meta.byteLength}` }, body,
    });
    if (response.status >= 400) {
      if (response.body !== null) await response.body.cancel();
      return { status: response.status, error: errorOf(response) };
    }
    const text = await response.text();
    return { status: response.status, error: null, meta: text === "" ? {} : JSONParse(text) };
  }
}

// ---- the API --------------------------------------------------------------------------------

function request(method, fields) {
  return { version: 1, method, ...fields };
}

class R2MultipartUpload {
  #bucket;
  constructor(token, bucket, key, uploadId) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#bucket = bucket;
    this.key = key;
    this.uploadId = uploadId;
  }

  async uploadPart(partNumber, value) {
    partNumber = checkPartNumber(partNumber);
    checkValueType(value, "uploadPart");
    const r = await this.#bucket.call(request("uploadPart", { object: this.key, uploadId: this.uploadId, partNumber }),
      await this.#bucket.valueFor(value));
    if (r.error) throw failure("uploadPart", r.error);
    return { partNumber, etag: `${r.meta.etag}` };
  }

  async complete(parts) {
    if (!ArrayIsArray(parts)) throw new TypeErrorCtor("complete() takes an array of uploaded parts ({partNumber, etag}).");
    const wire = parts.map((p) => ({ etag: `${p.etag}`, part: checkPartNumber(p.partNumber) }));
    const r = await this.#bucket.call(request("completeMultipartUpload", { object: this.key, uploadId: this.uploadId, parts: wire }));
    if (r.error && !preconditionFailed(r)) throw failure("completeMultipartUpload", r.error);
    return new R2Object(kToken, r.meta, true, true);
  }

  async abort() {
    const r = await this.#bucket.call(request("abortMultipartUpload", { object: this.key, uploadId: this.uploadId }));
    if (r.error && !notFound(r)) throw failure("abortMultipartUpload", r.error);
  }
}

class R2Bucket {
  #backend;
  constructor(token, backend) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#backend = backend;
  }

  // What the backend is given for a value: a disk backend reads a stream itself, a piece at a time.
  async #valueFor(value) {
    return value instanceof ReadableStream && this.#backend.readsStreams === true ? value : valueBytes(value);
  }

  // What an R2MultipartUpload reaches the backend through.
  #forUploads() {
    return { call: (q, v) => this.#call(q, v), valueFor: (v) => this.#valueFor(v) };
  }

  // Sends a request to the backend: {status, error, meta, body}.
  async #call(req, value) {
    const r = await this.#backend.call(req, value);
    if (r.error === undefined) r.error = null;
    if (r.bytes !== undefined) r.body = r.bytes;
    return r;
  }

  async head(key) {
    const r = await this.#call(request("head", { object: `${key}` }));
    if (r.error && notFound(r)) return null;
    if (r.error && !preconditionFailed(r)) throw failure("head", r.error);
    return new R2Object(kToken, r.meta, true, true);
  }

  async get(key, options) {
    const req = request("get", { object: `${key}` });
    if (options !== undefined && options !== null) addGetOptions(req, options);
    const r = await this.#call(req);
    if (r.error && notFound(r)) return null;
    if (r.error && preconditionFailed(r)) {
      if (r.body) await new Response(r.body).arrayBuffer();
      return new R2Object(kToken, r.meta, true, true);
    }
    if (r.error) throw failure("get", r.error);
    return new R2ObjectBody(kToken, r.meta, r.body);
  }

  async put(key, value, options) {
    checkValueType(value, "put");
    const req = request("put", { object: `${key}` });
    let sentHttp = {};
    let sentCustom = {};
    if (options !== undefined && options !== null) {
      if (options.customMetadata !== undefined && options.customMetadata !== null) {
        req.customFields = wireCustomFields(options.customMetadata);
        for (const { k, v } of req.customFields) sentCustom[k] = v;
      }
      if (options.httpMetadata !== undefined && options.httpMetadata !== null) {
        req.httpFields = wireHttpFields(options.httpMetadata);
        sentHttp = httpMetadataOf(req.httpFields);
      }
      if (options.onlyIf !== undefined && options.onlyIf !== null) req.onlyIf = wireConditional(options.onlyIf);
      addChecksums(req, options);
      if (options.storageClass !== undefined) req.storageClass = `${options.storageClass}`;
    }
    const r = await this.#call(req, await this.#valueFor(value));
    if (r.error && (preconditionFailed(r) || notFound(r))) return null;
    if (r.error) throw failure("put", r.error);
    const object = new R2Object(kToken, r.meta, true, true);
    object.httpMetadata = sentHttp;
    object.customMetadata = sentCustom;
    return object;
  }

  async delete(keys) {
    const req = ArrayIsArray(keys) ? request("delete", { objects: keys.map((k) => `${k}`) })
                                   : request("delete", { object: `${keys}` });
    const r = await this.#call(req);
    if (r.error && !notFound(r)) throw failure("delete", r.error);
  }

  async list(options) {
    const req = request("list", {});
    let expectHttp = false;
    let expectCustom = false;
    if (options !== undefined && options !== null) {
      if (options.limit !== undefined) req.limit = Number(options.limit);
      for (const name of ["prefix", "cursor", "delimiter", "startAfter"]) {
        if (options[name] !== undefined && options[name] !== null) req[name] = `${options[name]}`;
      }
      if (options.include !== undefined) {
        req.include = [];
        for (const value of options.include) {
          if (value === "httpMetadata") { req.include.push(0); expectHttp = true; }
          else if (value === "customMetadata") { req.include.push(1); expectCustom = true; }
          else throw new RangeErrorCtor(`Unsupported include value ${value}`);
        }
      }
    }
    req.newRuntime = true;
    const r = await this.#call(req);
    if (r.error) throw failure("list", r.error);
    if (r.body) await new Response(r.body).arrayBuffer();
    const meta = r.meta || {};
    const result = {
      objects: (meta.objects || []).map((o) => new R2Object(kToken, o, expectHttp, expectCustom)),
      truncated: !!meta.truncated,
    };
    if (meta.cursor !== undefined && meta.cursor !== null) result.cursor = `${meta.cursor}`;
    result.delimitedPrefixes = ArrayIsArray(meta.delimitedPrefixes) ? meta.delimitedPrefixes.map((p) => `${p}`) : [];
    return result;
  }

  async createMultipartUpload(key, options) {
    key = `${key}`;
    const req = request("createMultipartUpload", { object: key });
    if (options !== undefined && options !== null) {
      if (options.customMetadata !== undefined && options.customMetadata !== null) req.customFields = wireCustomFields(options.customMetadata);
      if (options.httpMetadata !== undefined && options.httpMetadata !== null) req.httpFields = wireHttpFields(options.httpMetadata);
      if (options.storageClass !== undefined) req.storageClass = `${options.storageClass}`;
    }
    const r = await this.#call(req);
    if (r.error) throw failure("createMultipartUpload", r.error);
    const upload = new R2MultipartUpload(kToken, this.#forUploads(), key, `${r.meta.uploadId}`);
    return upload;
  }

  resumeMultipartUpload(key, uploadId) {
    return new R2MultipartUpload(kToken, this.#forUploads(), `${key}`, `${uploadId}`);
  }
}

exports.R2Bucket = R2Bucket;
exports.makeR2Bucket = (desc) => ObjectFreeze(new R2Bucket(
  kToken, desc.dir !== undefined ? new DiskBackend(desc.dir, desc.writable, desc.service) : new ServiceBackend(desc.fetcher)));
