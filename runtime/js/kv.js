"use strict";
// kvNamespace bindings. Two backends behind one API:
//  - a `disk` service: Colony keeps the namespace in that directory, one record file per key
//    (runtime/storage/file_store.h; header {key, expiration, metadata}, body = the value);
//  - any other service: workerd's KV protocol over HTTP: GET/PUT/DELETE
//    https://fake-host/<encoded key>?urlencoded=true (PUT adds expiration / expiration_ttl to the
//    query and metadata as JSON in CF-KV-Metadata), list as GET https://fake-host/?prefix=&
//    key_count_limit=&cursor= answering JSON, bulk get as POST https://fake-host/bulk/get.

const {
  ArrayIsArray, ArrayPrototypePush, ArrayPrototypeSort, DateNow, JSONParse, JSONStringify,
  MapPrototypeSet, Map: MapCtor, MathFloor, MathMin, NumberIsInteger, ObjectFreeze,
  Symbol: SymbolCtor, TypeError: TypeErrorCtor, Error: ErrorCtor, Uint8Array: Uint8ArrayCtor,
  encodeURIComponent, TypedArrayPrototypeGetByteLength,
} = internal.primordials;
const ops = internal.ops;
const fetch = internal.require("fetch");
const { Request, Response } = fetch;
const encoding = internal.require("encoding");
const { ReadableStream } = internal.require("streams");

const kToken = SymbolCtor("kv");
const kMaxKeyLength = 512;
const kMaxValueSize = 25 * 1024 * 1024;
const kMaxMetadataSize = 1024;
const kTypes = ["text", "json", "arrayBuffer", "stream"];

const encoder = new encoding.TextEncoder();
const decoder = new encoding.TextDecoder();

function validateKey(method, key) {
  key = `${key}`;
  if (key === "") throw new TypeErrorCtor("Key name cannot be empty.");
  if (key === ".") throw new TypeErrorCtor("\".\" is not allowed as a key name.");
  if (key === "..") throw new TypeErrorCtor("\"..\" is not allowed as a key name.");
  const length = TypedArrayPrototypeGetByteLength(encoder.encode(key));
  if (length > kMaxKeyLength) {
    throw new ErrorCtor(`KV ${method} failed: 414 UTF-8 encoded length of ${length} exceeds key length limit of ${kMaxKeyLength}.`);
  }
  return key;
}

function parseGetOptions(options) {
  let type = "text";
  let cacheTtl;
  if (typeof options === "string") {
    type = options;
  } else if (options !== undefined && options !== null) {
    if (options.type !== undefined) type = `${options.type}`;
    if (options.cacheTtl !== undefined) cacheTtl = options.cacheTtl;
  }
  return { type, cacheTtl };
}

// As in workerd, the type is only checked when there is a value to convert.
function checkType(type) {
  if (kTypes.indexOf(type) === -1) {
    throw new TypeErrorCtor("Unknown response type. Possible types are \"text\", \"arrayBuffer\", \"json\", and \"stream\".");
  }
}

function bytesToType(bytes, type) {
  checkType(type);
  switch (type) {
    case "text": return decoder.decode(bytes);
    case "json": return JSONParse(decoder.decode(bytes));
    case "arrayBuffer": return bytes.buffer.byteLength === bytes.byteLength ? bytes.buffer : bytes.slice().buffer;
    default: return new Response(bytes).body;
  }
}

async function valueBytes(value) {
  if (typeof value === "string") return encoder.encode(value);
  if (typeof value !== "object" && typeof value !== "function") return encoder.encode(`${value}`);
  if (value instanceof ArrayBuffer) return new Uint8ArrayCtor(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8ArrayCtor(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (value instanceof ReadableStream) return new Uint8ArrayCtor(await new Response(value).arrayBuffer());
  throw new TypeErrorCtor("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.");
}

function checkPutOptions(options) {
  const out = { expiration: undefined, expirationTtl: undefined, metadata: undefined };
  if (options === undefined || options === null) return out;
  for (const name of ["expiration", "expirationTtl"]) {
    const value = options[name];
    if (value === undefined || value === null) continue;
    const n = +value;
    if (!(n === n)) throw new TypeErrorCtor(`KV put() option ${name} must be a number of seconds.`);
    out[name] = MathFloor(n);
  }
  if (options.metadata !== undefined && options.metadata !== null) out.metadata = JSONStringify(options.metadata);
  return out;
}

// ---- local backend: records in a disk service's directory ------------------------------------

class DiskBackend {
  constructor(dir, writable, service) {
    this.dir = dir;
    this.writable = writable;
    this.service = service;
  }

  // {value bytes, metadata (JSON text or null), expiration} or null.
  read(key) {
    const record = ops.storeRead(this.dir, key, false);
    if (record === undefined) return null;
    const meta = JSONParse(record[0]);
    if (meta.key !== key) return null;
    if (meta.expiration !== null && meta.expiration * 1000 <= DateNow()) {
      if (this.writable) ops.storeDelete(this.dir, key);
      return null;
    }
    return { bytes: record[1], metadata: meta.metadata, expiration: meta.expiration };
  }

  checkWritable(method) {
    if (!this.writable) {
      throw new ErrorCtor(`KV ${method} failed: 405 Method Not Allowed (disk service "${this.service}" is not writable; set writable = true)`);
    }
  }

  async get(key, type) {
    const entry = this.read(key);
    if (entry === null) return { value: null, metadata: null };
    return {
      value: bytesToType(entry.bytes, type),
      metadata: entry.metadata === null ? null : JSONParse(entry.metadata),
    };
  }

  async put(key, bytes, options) {
    this.checkWritable("PUT");
    const now = MathFloor(DateNow() / 1000);
    let expiration = null;
    if (options.expirationTtl !== undefined) {
      if (options.expirationTtl < 60) {
        throw new ErrorCtor(`KV PUT failed: 400 Invalid expiration_ttl of ${options.expirationTtl}. Expiration TTL must be at least 60.`);
      }
      expiration = now + options.expirationTtl;
    } else if (options.expiration !== undefined) {
      if (options.expiration < now + 60) {
        throw new ErrorCtor(`KV PUT failed: 400 Invalid expiration of ${options.expiration}. Expiration times must be at least 60 seconds in the future.`);
      }
      expiration = options.expiration;
    }
    const size = TypedArrayPrototypeGetByteLength(bytes);
    if (size > kMaxValueSize) {
      throw new ErrorCtor(`KV PUT failed: 413 Value length of ${size} exceeds limit of ${kMaxValueSize}.`);
    }
    const metadata = options.metadata === undefined ? null : options.metadata;
    if (metadata !== null) {
      const metaSize = TypedArrayPrototypeGetByteLength(encoder.encode(metadata));
      if (metaSize > kMaxMetadataSize) {
        throw new ErrorCtor(`KV PUT failed: 413 Metadata length of ${metaSize} exceeds limit of ${kMaxMetadataSize}.`);
      }
    }
    ops.storeWrite(this.dir, key, JSONStringify({ key, expiration, metadata }), bytes, true);
  }

  async delete(key) {
    this.checkWritable("DELETE");
    ops.storeDelete(this.dir, key, true);
  }

  async list(prefix, limit, cursor) {
    const now = DateNow();
    const all = [];
    const headers = ops.storeHeaders(this.dir);
    for (let i = 0; i < headers.length; i++) {
      let meta;
      try { meta = JSONParse(headers[i]); } catch { continue; }
      if (typeof meta.key !== "string" || !meta.key.startsWith(prefix)) continue;
      if (meta.expiration !== null && meta.expiration * 1000 <= now) continue;
      if (cursor !== null && meta.key <= cursor) continue;
      ArrayPrototypePush(all, meta);
    }
    ArrayPrototypeSort(all, (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const keys = [];
    const count = MathMin(limit, all.length);
    for (let i = 0; i < count; i++) {
      const entry = { name: all[i].key };
      if (all[i].expiration !== null) entry.expiration = all[i].expiration;
      if (all[i].metadata !== null) entry.metadata = JSONParse(all[i].metadata);
      ArrayPrototypePush(keys, entry);
    }
    const complete = all.length <= limit;
    const result = { keys, list_complete: complete };
    if (!complete) result.cursor = encoding.btoa(String.fromCharCode(...encoder.encode(keys[keys.length - 1].name)));
    result.cacheStatus = null;
    return result;
  }
}

function decodeCursor(cursor) {
  try {
    const binary = encoding.atob(cursor);
    const bytes = new Uint8ArrayCtor(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return decoder.decode(bytes);
  } catch {
    throw new ErrorCtor("KV GET failed: 400 Invalid cursor.");
  }
}

// ---- remote backend: workerd's KV protocol to a service --------------------------------------

function failed(method, response) {
  return new ErrorCtor(`KV ${method} failed: ${response.status} ${response.statusText}`);
}

class ServiceBackend {
  constructor(fetcher) { this.fetcher = fetcher; }

  request(url, init) {
    const headers = init.headers || {};
    headers["CF-KV-FLPROD-405"] = url;
    init.headers = headers;
    return this.fetcher.fetch(url, init);
  }

  async get(key, type, cacheTtl) {
    let url = `https://fake-host/${encodeURIComponent(key)}?urlencoded=true`;
    if (cacheTtl !== undefined) url += `&cache_ttl=${cacheTtl}`;
    const response = await this.request(url, { method: "GET" });
    if (response.status === 404 || response.status === 410) {
      await response.arrayBuffer();
      return { value: null, metadata: null };
    }
    if (response.status < 200 || response.status >= 300) throw failed("GET", response);
    const meta = response.headers.get("CF-KV-Metadata");
    checkType(type);
    let value;
    if (type === "stream") value = response.body;
    else value = bytesToType(new Uint8ArrayCtor(await response.arrayBuffer()), type);
    return { value, metadata: meta === null ? null : JSONParse(meta) };
  }

  async put(key, bytes, options) {
    let url = `https://fake-host/${encodeURIComponent(key)}?urlencoded=true`;
    if (options.expiration !== undefined) url += `&expiration=${options.expiration}`;
    if (options.expirationTtl !== undefined) url += `&expiration_ttl=${options.expirationTtl}`;
    const headers = {};
    if (options.metadata !== undefined) headers["CF-KV-Metadata"] = options.metadata;
    const response = await this.request(url, { method: "PUT", headers, body: bytes });
    if (response.status < 200 || response.status >= 300) throw failed("PUT", response);
    await response.arrayBuffer();
  }

  async delete(key) {
    const url = `https://fake-host/${encodeURIComponent(key)}?urlencoded=true`;
    const response = await this.request(url, { method: "DELETE" });
    if (response.status < 200 || response.status >= 300) throw failed("DELETE", response);
    await response.arrayBuffer();
  }

  async list(prefix, limit, cursor, given) {
    const params = [];
    if (given.limit) ArrayPrototypePush(params, `key_count_limit=${limit}`);
    if (given.prefix !== null) ArrayPrototypePush(params, `prefix=${encodeURIComponent(prefix)}`);
    if (given.cursor !== null) ArrayPrototypePush(params, `cursor=${encodeURIComponent(given.cursor)}`);
    const url = `https://fake-host/${params.length ? "?" + params.join("&") : ""}`;
    const response = await this.request(url, { method: "GET" });
    if (response.status < 200 || response.status >= 300) throw failed("GET", response);
    const result = JSONParse(await response.text());
    if (result && ArrayIsArray(result.keys)) {
      for (const key of result.keys) {
        if (key && typeof key.metadata === "string") key.metadata = JSONParse(key.metadata);
      }
    }
    if (result && typeof result === "object") result.cacheStatus = response.headers.get("CF-Cache-Status");
    return result;
  }

  async getBulk(keys, type, withMetadata) {
    const body = { keys };
    if (type !== "text") body.type = type;
    if (withMetadata) body.withMetadata = true;
    const response = await this.request("https://fake-host/bulk/get", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSONStringify(body),
    });
    if (response.status < 200 || response.status >= 300) throw failed("GET_BULK", response);
    const result = JSONParse(await response.text());
    const map = new MapCtor();
    for (const name of ObjectKeys(result)) MapPrototypeSet(map, name, result[name]);
    return map;
  }
}

const ObjectKeys = Object.keys;

// ---- the binding -----------------------------------------------------------------------------

class KVNamespace {
  #backend;
  constructor(token, backend) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#backend = backend;
  }

  async #bulk(keys, options, withMetadata) {
    const { type } = parseGetOptions(options);
    checkType(type);
    if (type === "stream") throw new TypeErrorCtor("\"stream\" is not a valid type for a bulk get; use \"text\", \"json\" or \"arrayBuffer\".");
    if (keys.length === 0 || keys.length > 100) {
      throw new ErrorCtor(`KV GET_BULK failed: 400 You can request between 1 and 100 keys in a bulk get.`);
    }
    for (let i = 0; i < keys.length; i++) validateKey("GET_BULK", keys[i]);
    const backend = this.#backend;
    if (backend.getBulk) return backend.getBulk(keys, type, withMetadata);
    const map = new MapCtor();
    for (let i = 0; i < keys.length; i++) {
      const r = await backend.get(`${keys[i]}`, type);
      MapPrototypeSet(map, `${keys[i]}`, withMetadata ? (r.value === null ? null : { value: r.value, metadata: r.metadata }) : r.value);
    }
    return map;
  }

  async get(key, options) {
    if (ArrayIsArray(key)) return this.#bulk(key, options, false);
    key = validateKey("GET", key);
    const { type, cacheTtl } = parseGetOptions(options);
    return (await this.#backend.get(key, type, cacheTtl)).value;
  }

  async getWithMetadata(key, options) {
    if (ArrayIsArray(key)) return this.#bulk(key, options, true);
    key = validateKey("GET", key);
    const { type, cacheTtl } = parseGetOptions(options);
    const r = await this.#backend.get(key, type, cacheTtl);
    return { value: r.value, metadata: r.metadata, cacheStatus: null };
  }

  async put(key, value, options) {
    key = validateKey("PUT", key);
    const opts = checkPutOptions(options);
    const bytes = await valueBytes(value);
    await this.#backend.put(key, bytes, opts);
  }

  async delete(key) {
    key = validateKey("DELETE", key);
    await this.#backend.delete(key);
  }

  async list(options) {
    const given = { limit: false, prefix: null, cursor: null };
    let limit = 1000;
    let prefix = "";
    let cursor = null;
    if (options !== undefined && options !== null) {
      if (options.limit !== undefined && options.limit !== null) {
        limit = MathFloor(+options.limit);
        if (!(limit > 0)) limit = 1000;
        else given.limit = true;
        if (limit > 1000) throw new ErrorCtor(`KV GET failed: 400 Invalid key_count_limit of ${limit}. Please specify an integer less than 1000.`);
      }
      if (options.prefix !== undefined && options.prefix !== null) prefix = given.prefix = `${options.prefix}`;
      if (options.cursor !== undefined && options.cursor !== null && options.cursor !== "") {
        given.cursor = `${options.cursor}`;
        if (this.#backend instanceof DiskBackend) cursor = decodeCursor(given.cursor);
      }
    }
    return this.#backend.list(prefix, limit, cursor, given);
  }
}

exports.KVNamespace = KVNamespace;
exports.makeKvNamespace = (desc) => ObjectFreeze(new KVNamespace(
  kToken, desc.dir !== undefined ? new DiskBackend(desc.dir, desc.writable, desc.service)
                                 : new ServiceBackend(desc.fetcher)));
