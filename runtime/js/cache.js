"use strict";
// The Cache API: `caches.default`, `caches.open(name)`, and Cache's match/put/delete. Records
// live in one directory shared by every runtime process of the server (runtime/storage/
// README.md), so a response cached by one process is a hit in every other. HTTP semantics
// follow Cloudflare's cache: Cache-Control (no-store, private, no-cache, max-age, s-maxage),
// Expires, Set-Cookie, Vary, conditional requests (ETag / Last-Modified, answered with 304) and
// single byte ranges (206 / 416).
//
// A worker with `cacheApiOutbound` uses that service instead, with workerd's protocol: match is
// a GET of the URL (the request's headers plus `Cache-Control: only-if-cached`), a hit only when
// the answer carries `CF-Cache-Status: HIT` (that response is the result); put is a PUT of the
// URL whose body is the response serialized as HTTP/1.1 (status line, headers, body); delete is a
// PURGE of the URL, true when the answer is 200. A named cache adds `CF-Cache-Namespace: NAME`.

const {
  ArrayPrototypePush, DateNow, DateParse, JSONParse, JSONStringify, MathMin, NumberIsNaN,
  NumberParseInt, ObjectFreeze, Promise: PromiseCtor, PromiseResolve, RegExpPrototypeExec,
  StringPrototypeSplit, StringPrototypeToLowerCase, StringPrototypeTrim, Symbol: SymbolCtor,
  TypeError: TypeErrorCtor, RangeError: RangeErrorCtor, Uint8Array: Uint8ArrayCtor, TypedArrayPrototypeSubarray,
  TypedArrayPrototypeGetByteLength, TypedArrayPrototypeSet,
} = internal.primordials;
const ops = internal.ops;
const fetch = internal.require("fetch");
const { Request, Response } = fetch;
const { Headers } = internal.require("headers");
const encoding = internal.require("encoding");

const kToken = SymbolCtor("cache");

let cacheDir = null;
let maxBytes = 0;
let writtenSinceEvict = -1;  // -1: never evicted in this process yet
function dir() {
  if (cacheDir === null) {
    cacheDir = ops.cacheDirectory();
    maxBytes = ops.cacheMaxBytes();
  }
  return cacheDir;
}

// The Fetcher of the worker's cacheApiOutbound service, or null for the built-in cache.
let outbound;
function outboundFetcher() {
  if (outbound === undefined) {
    const target = ops.cacheOutbound();
    outbound = target === undefined ? null : fetch.makeFetcher(target);
  }
  return outbound;
}

let encoder = null;
// `response` as HTTP/1.1 bytes, the body of a PUT to cacheApiOutbound.
async function serializeResponse(response) {
  const body = new Uint8ArrayCtor(await response.arrayBuffer());
  const reason = response.statusText !== "" ? response.statusText : ops.httpReasonPhrase(response.status);
  let head = `HTTP/1.1 ${response.status} ${reason}\r\nContent-Length: ${TypedArrayPrototypeGetByteLength(body)}\r\n`;
  for (const [name, value] of response.headers) {
    if (name === "content-length" || name === "transfer-encoding") continue;
    head += `${name}: ${value}\r\n`;
  }
  head += "\r\n";
  if (encoder === null) encoder = new encoding.TextEncoder();
  const headBytes = encoder.encode(head);
  const out = new Uint8ArrayCtor(TypedArrayPrototypeGetByteLength(headBytes) + TypedArrayPrototypeGetByteLength(body));
  TypedArrayPrototypeSet(out, headBytes, 0);
  TypedArrayPrototypeSet(out, body, TypedArrayPrototypeGetByteLength(headBytes));
  return out;
}

function outboundHeaders(namespace, from) {
  const headers = new Headers(from);
  if (namespace !== null) headers.set("CF-Cache-Namespace", namespace);
  return headers;
}

async function discardBody(response) {
  if (response.body !== null) await response.arrayBuffer();
}

function toRequest(input) {
  if (fetch.isRequest(input)) return input;
  return new Request(input);
}

function cacheKey(name, url) {
  const hash = url.indexOf("#");
  return name + "\n" + (hash === -1 ? url : url.slice(0, hash));
}

// Cache-Control directives as a map of lower-case name -> value (true when it has none).
function parseCacheControl(text) {
  const out = { __proto__: null };
  if (text === null) return out;
  const parts = StringPrototypeSplit(text, ",");
  for (let i = 0; i < parts.length; i++) {
    const part = StringPrototypeTrim(parts[i]);
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq === -1) {
      out[StringPrototypeToLowerCase(part)] = true;
    } else {
      let value = StringPrototypeTrim(part.slice(eq + 1));
      if (value.length >= 2 && value[0] === "\"" && value[value.length - 1] === "\"") value = value.slice(1, -1);
      out[StringPrototypeToLowerCase(StringPrototypeTrim(part.slice(0, eq)))] = value;
    }
  }
  return out;
}

function varyNames(response) {
  const vary = response.headers.get("vary");
  if (vary === null) return [];
  const names = [];
  const parts = StringPrototypeSplit(vary, ",");
  for (let i = 0; i < parts.length; i++) {
    const name = StringPrototypeToLowerCase(StringPrototypeTrim(parts[i]));
    if (name !== "") ArrayPrototypePush(names, name);
  }
  return names;
}

// When a stored response stops being fresh (ms since the epoch), null for "no limit", or
// undefined when it must not be stored at all.
function expiry(response, now) {
  const cc = parseCacheControl(response.headers.get("cache-control"));
  if (cc["no-store"] || cc["private"] || cc["no-cache"]) return undefined;
  if (response.headers.has("set-cookie")) return undefined;
  const age = cc["s-maxage"] !== undefined ? cc["s-maxage"] : cc["max-age"];
  if (age !== undefined) {
    const seconds = NumberParseInt(age, 10);
    if (NumberIsNaN(seconds) || seconds <= 0) return undefined;
    return now + seconds * 1000;
  }
  const expires = response.headers.get("expires");
  if (expires !== null) {
    const at = DateParse(expires);
    if (NumberIsNaN(at) || at <= now) return undefined;
    return at;
  }
  return null;
}

function etagMatches(list, etag) {
  if (etag === null) return false;
  const strip = (tag) => (tag.startsWith("W/") ? tag.slice(2) : tag);
  const parts = StringPrototypeSplit(list, ",");
  for (let i = 0; i < parts.length; i++) {
    const tag = StringPrototypeTrim(parts[i]);
    if (tag === "*" || strip(tag) === strip(etag)) return true;
  }
  return false;
}

function notModified(request, headers) {
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null) return etagMatches(ifNoneMatch, headers.get("etag"));
  const ifModifiedSince = request.headers.get("if-modified-since");
  const lastModified = headers.get("last-modified");
  if (ifModifiedSince !== null && lastModified !== null) {
    const since = DateParse(ifModifiedSince);
    const modified = DateParse(lastModified);
    return !NumberIsNaN(since) && !NumberIsNaN(modified) && modified <= since;
  }
  return false;
}

// [start, end] (inclusive) of a single "bytes=" range, null when the header is absent or not a
// single byte range (the whole body is then sent), or "unsatisfiable".
function parseRange(header, length) {
  if (header === null) return null;
  const m = RegExpPrototypeExec(/^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i, header);
  if (m === null || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = NumberParseInt(m[2], 10);
    if (suffix === 0) return "unsatisfiable";
    return [length - MathMin(suffix, length), length - 1];
  }
  const start = NumberParseInt(m[1], 10);
  const end = m[2] === "" ? length - 1 : MathMin(NumberParseInt(m[2], 10), length - 1);
  if (start >= length || end < start) return "unsatisfiable";
  return [start, end];
}

class Cache {
  #name;
  #namespace;  // caches.open()'s name, null for caches.default
  constructor(token, name, namespace) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#name = name;
    this.#namespace = namespace;
  }

  async match(input, options) {
    const request = toRequest(input);
    if (request.method !== "GET" && !(options && options.ignoreMethod)) return undefined;
    const service = outboundFetcher();
    if (service !== null) {
      const headers = outboundHeaders(this.#namespace, request.headers);
      headers.set("Cache-Control", "only-if-cached");
      const response = await service.fetch(request.url, { method: "GET", headers });
      if (response.headers.get("cf-cache-status") === "HIT") return response;
      await discardBody(response);
      return undefined;
    }
    const key = cacheKey(this.#name, request.url);
    const record = ops.storeRead(dir(), key, true);
    if (record === undefined) return undefined;
    const meta = JSONParse(record[0]);
    if (meta.key !== key) return undefined;
    if (meta.expires !== null && meta.expires <= DateNow()) {
      ops.storeDelete(dir(), key);
      return undefined;
    }
    const varyKeys = meta.vary;
    for (let i = 0; i < varyKeys.length; i++) {
      if (request.headers.get(varyKeys[i][0]) !== varyKeys[i][1]) return undefined;
    }
    const headers = new Headers(meta.headers);
    headers.set("CF-Cache-Status", "HIT");
    if (notModified(request, headers)) {
      headers.delete("content-length");
      headers.delete("content-range");
      return new Response(null, { status: 304, headers });
    }
    const body = record[1];
    const length = TypedArrayPrototypeGetByteLength(body);
    const range = parseRange(request.headers.get("range"), length);
    if (range === "unsatisfiable") {
      headers.set("Content-Range", `bytes */${length}`);
      headers.delete("content-length");
      return new Response(null, { status: 416, headers });
    }
    if (range !== null) {
      headers.set("Content-Range", `bytes ${range[0]}-${range[1]}/${length}`);
      headers.set("Content-Length", `${range[1] - range[0] + 1}`);
      return new Response(TypedArrayPrototypeSubarray(body, range[0], range[1] + 1), { status: 206, headers });
    }
    headers.set("Content-Length", `${length}`);
    return new Response(meta.status === 204 || meta.status === 304 ? null : body,
                        { status: meta.status, statusText: meta.statusText, headers });
  }

  async put(input, response) {
    const request = toRequest(input);
    if (!fetch.isResponse(response)) {
      throw new TypeErrorCtor("Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'.");
    }
    if (request.method !== "GET") throw new TypeErrorCtor("Cannot cache response to non-GET request.");
    if (response.status === 206) {
      throw new TypeErrorCtor("Cannot cache response to a range request (206 Partial Content).");
    }
    const vary = varyNames(response);
    if (vary.indexOf("*") !== -1) throw new TypeErrorCtor("Cannot cache response with 'Vary: *' header.");
    if (response.bodyUsed) throw new TypeErrorCtor("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
    const service = outboundFetcher();
    if (service !== null) {
      const body = await serializeResponse(response);
      const answer = await service.fetch(request.url, {
        method: "PUT", headers: outboundHeaders(this.#namespace, request.headers), body,
      });
      await discardBody(answer);
      return undefined;
    }
    const now = DateNow();
    const expires = expiry(response, now);
    const body = new Uint8ArrayCtor(await response.arrayBuffer());
    if (expires === undefined) return undefined;  // not cacheable: Cloudflare drops it too
    const d = dir();
    const size = TypedArrayPrototypeGetByteLength(body);
    if (size > maxBytes / 8) {
      throw new RangeErrorCtor(`Cache.put(): the response body (${size} bytes) is larger than the cache's ` +
                           `per-entry limit (${maxBytes / 8} bytes, an eighth of COLONY_CACHE_SIZE).`);
    }
    const headers = [];
    for (const [name, value] of response.headers) ArrayPrototypePush(headers, [name, value]);
    const varyValues = [];
    for (let i = 0; i < vary.length; i++) ArrayPrototypePush(varyValues, [vary[i], request.headers.get(vary[i])]);
    const key = cacheKey(this.#name, request.url);
    const meta = {
      key, status: response.status, statusText: response.statusText, headers, vary: varyValues,
      expires, stored: now,
    };
    ops.storeWrite(d, key, JSONStringify(meta), body);
    if (writtenSinceEvict < 0 || writtenSinceEvict + size > maxBytes / 16) {
      writtenSinceEvict = 0;
      ops.storeEvict(d, maxBytes);
    } else {
      writtenSinceEvict += size;
    }
    return undefined;
  }

  async delete(input, options) {
    const request = toRequest(input);
    if (request.method !== "GET" && !(options && options.ignoreMethod)) return false;
    const service = outboundFetcher();
    if (service !== null) {
      const answer = await service.fetch(request.url, {
        method: "PURGE", headers: outboundHeaders(this.#namespace, undefined),
      });
      await discardBody(answer);
      return answer.status === 200;
    }
    return ops.storeDelete(dir(), cacheKey(this.#name, request.url));
  }
}

class CacheStorage {
  #default;
  constructor(token) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#default = new Cache(kToken, "", null);
  }
  get default() { return this.#default; }
  async open(cacheName) {
    if (typeof cacheName !== "string") {
      throw new TypeErrorCtor("Failed to execute 'open' on 'CacheStorage': parameter 1 is not of type 'string'.");
    }
    return new Cache(kToken, "named:" + cacheName, cacheName);
  }
}

exports.Cache = Cache;
exports.CacheStorage = CacheStorage;
exports.caches = new CacheStorage(kToken);
