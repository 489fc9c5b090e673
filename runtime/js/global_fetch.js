"use strict";
// The fetch() algorithm: the global fetch() sends through the worker's globalOutbound service, a
// service binding's Fetcher.fetch() through its target; both follow redirects, decode gzip/deflate
// (and br) response bodies, honour AbortSignal, and answer `data:` URLs without any service.
// Every request leaves through a service object, so a worker reaches only what its config gives it.

const {
  ArrayAppend, PromisePrototypeThen, PromiseReject, PromiseResolve, PromiseWithResolvers,
  StringPrototypeCharCodeAt, StringPrototypeIndexOf, StringPrototypeSlice, StringPrototypeToLowerCase,
  TypeError: TypeErrorCtor, Uint8Array: Uint8ArrayCtor, TypedArrayPrototypeSubarray,
} = internal.primordials;
const ops = internal.ops;
const abort = internal.require("abort");
const encoding = internal.require("encoding");
const headersMod = internal.require("headers");
const urlMod = internal.require("url");
const fetchMod = internal.require("fetch");
const { toUSVString } = internal.require("util");
const { Request } = fetchMod;

const kMaxRedirects = 20;
const redirectStatuses = [301, 302, 303, 307, 308];
// Headers describing a request body, dropped when a redirect turns the request into a GET.
const requestBodyHeaders = ["content-encoding", "content-language", "content-location", "content-type", "content-length"];

function includes(list, v) {
  for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
  return false;
}

function schemeOf(href) {
  return StringPrototypeToLowerCase(StringPrototypeSlice(href, 0, StringPrototypeIndexOf(href, ":")));
}

// Scheme, host and port: what a redirect must keep for credentials to follow it.
function originOf(href) {
  const start = StringPrototypeIndexOf(href, "//");
  if (start < 0) return href;
  let end = start + 2;
  while (end < href.length) {
    const c = StringPrototypeCharCodeAt(href, end);
    if (c === 0x2F || c === 0x3F || c === 0x23) break;  // / ? #
    end++;
  }
  return StringPrototypeToLowerCase(StringPrototypeSlice(href, 0, end));
}

// First value of a header in a flat [name, value, ...] list (names compared case-insensitively).
function flatGet(flat, lowerName) {
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (StringPrototypeToLowerCase(flat[i]) === lowerName) return flat[i + 1];
  }
  return null;
}
function flatWithout(flat, lowerNames) {
  const out = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (includes(lowerNames, StringPrototypeToLowerCase(flat[i]))) continue;
    ArrayAppend(out, flat[i]);
    ArrayAppend(out, flat[i + 1]);
  }
  return out;
}

// ---- data: URLs (Fetch Standard, "data: URL processor") ----------------------------------------

function isAsciiWhitespace(c) { return c === 0x09 || c === 0x0A || c === 0x0C || c === 0x0D || c === 0x20; }

function trimAsciiWhitespace(s) {
  let begin = 0, end = s.length;
  while (begin < end && isAsciiWhitespace(StringPrototypeCharCodeAt(s, begin))) begin++;
  while (end > begin && isAsciiWhitespace(StringPrototypeCharCodeAt(s, end - 1))) end--;
  return StringPrototypeSlice(s, begin, end);
}

function hexValue(c) {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function percentDecode(bytes) {
  const out = new Uint8ArrayCtor(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x25 && i + 2 < bytes.length) {
      const h = hexValue(bytes[i + 1]), l = hexValue(bytes[i + 2]);
      if (h >= 0 && l >= 0) { out[n++] = h * 16 + l; i += 2; continue; }
    }
    out[n++] = b;
  }
  return TypedArrayPrototypeSubarray(out, 0, n);
}

function isTokenString(s) { return s.length > 0 && headersMod.isToken(s); }

// A MIME type serialized the way the MIME Sniffing Standard does for the common cases: type and
// subtype lower-cased, parameter names lower-cased, invalid parameters dropped. null if invalid.
function normalizeMimeType(input) {
  const parts = [];
  let rest = input;
  for (;;) {
    const semi = StringPrototypeIndexOf(rest, ";");
    if (semi < 0) { ArrayAppend(parts, rest); break; }
    ArrayAppend(parts, StringPrototypeSlice(rest, 0, semi));
    rest = StringPrototypeSlice(rest, semi + 1);
  }
  const essence = StringPrototypeToLowerCase(trimAsciiWhitespace(parts[0]));
  const slash = StringPrototypeIndexOf(essence, "/");
  if (slash < 0 || !isTokenString(StringPrototypeSlice(essence, 0, slash)) ||
      !isTokenString(StringPrototypeSlice(essence, slash + 1))) {
    return null;
  }
  let out = essence;
  for (let i = 1; i < parts.length; i++) {
    const param = trimAsciiWhitespace(parts[i]);
    const eq = StringPrototypeIndexOf(param, "=");
    if (eq <= 0) continue;
    const name = StringPrototypeToLowerCase(StringPrototypeSlice(param, 0, eq));
    const value = StringPrototypeSlice(param, eq + 1);
    if (!isTokenString(name) || value.length === 0) continue;
    out += `;${name}=${value}`;
  }
  return out;
}

function fetchDataURL(href) {
  const hash = StringPrototypeIndexOf(href, "#");
  const input = StringPrototypeSlice(href, 5, hash < 0 ? href.length : hash);
  const comma = StringPrototypeIndexOf(input, ",");
  if (comma < 0) throw new TypeErrorCtor(`Fetch API cannot load: ${href} (a data: URL needs a comma before its data).`);
  let mimeType = trimAsciiWhitespace(StringPrototypeSlice(input, 0, comma));
  let body = percentDecode(encoding.utf8Encode(StringPrototypeSlice(input, comma + 1)));
  // "...;base64", with optional spaces before "base64", any case.
  let end = mimeType.length;
  if (end >= 6 && StringPrototypeToLowerCase(StringPrototypeSlice(mimeType, end - 6)) === "base64") {
    let j = end - 6;
    while (j > 0 && StringPrototypeCharCodeAt(mimeType, j - 1) === 0x20) j--;
    if (j > 0 && StringPrototypeCharCodeAt(mimeType, j - 1) === 0x3B) {
      let text;
      try {
        text = encoding.atob(encoding.latin1String(body));
      } catch {
        throw new TypeErrorCtor(`Fetch API cannot load: ${href} (its base64 data is invalid).`);
      }
      body = new Uint8ArrayCtor(text.length);
      for (let i = 0; i < text.length; i++) body[i] = StringPrototypeCharCodeAt(text, i);
      mimeType = StringPrototypeSlice(mimeType, 0, j - 1);
    }
  }
  if (StringPrototypeCharCodeAt(mimeType, 0) === 0x3B) mimeType = "text/plain" + mimeType;
  const type = normalizeMimeType(mimeType) ?? "text/plain;charset=US-ASCII";
  return new fetchMod.Response(body, { status: 200, statusText: "OK", headers: [["content-type", type]] });
}

// ---- http(s) through a service ------------------------------------------------------------------

let decodeMode = -1;
function contentDecoding() {
  if (decodeMode < 0) decodeMode = ops.compatFlag("brotliContentEncoding") ? 2 : 1;
  return decodeMode;
}

let outboundTarget = null;
function globalOutbound() {
  if (outboundTarget === null) outboundTarget = ops.globalOutbound();
  return outboundTarget;
}

function networkError(url, err) {
  if (typeof err === "object" && err !== null && err instanceof TypeErrorCtor) return err;
  const detail = typeof err === "object" && err !== null ? err.message : `${err}`;
  return new TypeErrorCtor(`fetch() to ${url} failed: ${detail}`);
}

// Sends `request` (and follows its redirects) through `target`.
function fetchVia(target, request) {
  const parts = fetchMod.requestParts(request);
  const signal = request.signal;
  const mode = request.redirect;
  const { promise, resolve, reject } = PromiseWithResolvers();
  let settled = false;
  const token = ops.fetchToken();
  const fail = (err) => { if (!settled) { settled = true; reject(err); } };
  abort.signalOnAbort(signal, () => {
    ops.fetchAbort(token);
    fail(abort.signalReason(signal));
  });

  let method = parts.method;
  let url = parts.url;
  let headers = headersMod.headersToFlat(parts.headers);
  // The first hop takes the body; string and byte bodies can be sent again after a 307/308.
  let body = fetchMod.bodyParts(parts.body);
  const replayable = body.bodyKind !== "stream";
  let redirects = 0;

  const hop = () => {
    const sent = ops.serviceFetch(target, method, url, headers, body.body, body.bodyKind, token, contentDecoding(),
      body.length ?? -1);
    PromisePrototypeThen(sent, (r) => {
      if (settled) {
        if (r[3] !== null) ops.bodyCancel(r[3]);
        return;
      }
      const [status, statusText, flat, handle] = r;
      const location = includes(redirectStatuses, status) ? flatGet(flat, "location") : null;
      if (location === null || mode === "manual") {
        settled = true;
        resolve(fetchMod.makeResponse(status, statusText, flat, handle, url, redirects > 0, signal));
        return;
      }
      if (handle !== null) ops.bodyCancel(handle);
      const next = urlMod.parseURL(location, url);
      if (next === null) return fail(new TypeErrorCtor(`fetch() to ${url}: the redirect Location "${location}" is not a valid URL.`));
      const scheme = schemeOf(next);
      if (scheme !== "http" && scheme !== "https") {
        return fail(new TypeErrorCtor(`fetch() to ${url}: redirected to ${next}, which is not an http(s) URL.`));
      }
      if (redirects === kMaxRedirects) return fail(new TypeErrorCtor(`Too many redirects (more than ${kMaxRedirects}) starting at ${parts.url}.`));
      redirects++;
      if ((status === 303 && method !== "GET" && method !== "HEAD") ||
          ((status === 301 || status === 302) && method === "POST")) {
        method = "GET";
        body = { body: null, bodyKind: "none" };
        headers = flatWithout(headers, requestBodyHeaders);
      } else if (body.bodyKind !== "none" && !replayable) {
        return fail(new TypeErrorCtor(
          `fetch() to ${url}: the response is a ${status} redirect, which needs the request body sent again, but the body ` +
          "was a ReadableStream and can only be sent once. Give the body as a string, ArrayBuffer or Uint8Array instead, " +
          "or use redirect: 'manual'."));
      }
      if (originOf(next) !== originOf(url)) headers = flatWithout(headers, ["authorization"]);
      url = next;
      hop();
    }, (err) => fail(abort.signalAborted(signal) ? abort.signalReason(signal) : networkError(url, err)));
  };
  hop();
  return promise;
}

// fetch(input, init) through `target` (null: the worker's globalOutbound).
function fetchImpl(target, input, init, argc) {
  if (argc < 1) {
    return PromiseReject(new TypeErrorCtor(
      "Failed to execute 'fetch' on 'ServiceWorkerGlobalScope': parameter 1 is not of type 'Request or string'."));
  }
  let request;
  try {
    if (!fetchMod.isRequest(input)) {
      const text = toUSVString(input);
      if (urlMod.parseURL(text) === null) throw new TypeErrorCtor(`Invalid URL: ${text}`);
    }
    request = new Request(input, init);
    const signal = request.signal;
    if (abort.signalAborted(signal)) return PromiseReject(abort.signalReason(signal));
    const url = request.url;
    const scheme = schemeOf(url);
    if (scheme === "data") return PromiseResolve(fetchDataURL(url));
    if (scheme !== "http" && scheme !== "https") throw new TypeErrorCtor(`Fetch API cannot load: ${url}`);
    return fetchVia(target ?? globalOutbound(), request);
  } catch (err) {
    return PromiseReject(err);
  }
}

// Global operations are methods, not function declarations: as in WebIDL (and workerd), they are
// not constructors and have no prototype.
const fetch = { fetch(input, init = undefined) {
  return fetchImpl(null, input, init, arguments.length);
} }.fetch;

fetchMod.setFetchImpl(fetchImpl);

exports.fetch = fetch;
