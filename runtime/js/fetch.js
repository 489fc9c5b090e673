"use strict";
// Fetch Standard objects: the Body mixin, Request, Response, the service-binding Fetcher and
// FetchEvent. Bodies given as strings or bytes stay strings/bytes until someone asks for
// `.body`, so the runtime can send them without touching streams (responseParts).

const {
  ArrayAppend, ArrayIsArray, JSONParse, JSONStringify, Number: NumberCtor, ObjectPrototypeToString, PromiseReject,
  PromiseResolve, PromisePrototypeThen, RangeError: RangeErrorCtor, String: StringCtor,
  StringPrototypeCharCodeAt, StringPrototypeToUpperCase, TypeError: TypeErrorCtor,
  Uint8Array: Uint8ArrayCtor, TypedArrayPrototypeSet, TypedArrayPrototypeGetSymbolToStringTag,
  TypedArrayPrototypeSlice, TypedArrayPrototypeGetBuffer, ArrayBufferPrototypeSlice, makeEnumerable,
  MathTrunc, NumberIsFinite, ReflectApply, ArrayPrototypeSlice, globalThis: theGlobal,
} = internal.primordials;
const ops = internal.ops;
const { DOMException } = internal.require("dom_exception");
const events = internal.require("events");
const abort = internal.require("abort");
const encoding = internal.require("encoding");
const headersMod = internal.require("headers");
const { Headers } = headersMod;
const streams = internal.require("streams");
const urlMod = internal.require("url");
const { toUSVString, toByteString } = internal.require("util");
const blobMod = internal.require("blob");
const formDataMod = internal.require("form_data");
const websocket = internal.require("websocket");

// ---- bodies ------------------------------------------------------------------------------------

// A body record: {kind, value, stream, used}
//   kind 'none'   : no body
//   kind 'string' : value is a string (not yet exposed as a stream)
//   kind 'bytes'  : value is a Uint8Array we own (not yet exposed as a stream)
//   kind 'native' : value is a native body handle (ops.bodyRead)
//   kind 'stream' : stream is a ReadableStream
const noBody = () => ({ kind: "none", value: null, stream: null, used: false });

const kUsedMessage = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";

function copyBytes(bytes) {
  const out = new Uint8ArrayCtor(bytes.length);
  TypedArrayPrototypeSet(out, bytes);
  return out;
}

// Extract a body record and its default Content-Type from a BodyInit. `context` names the
// constructor for errors.
function extractBody(init, context) {
  if (init === null || init === undefined) return [noBody(), null];
  if (typeof init === "string") return [{ kind: "string", value: init, stream: null, used: false }, "text/plain;charset=UTF-8"];
  if (typeof init === "object") {
    const bytes = encoding.bufferSourceBytes(init);
    if (bytes !== null) return [{ kind: "bytes", value: copyBytes(bytes), stream: null, used: false }, null];
    if (blobMod.isBlob(init)) {
      const type = blobMod.blobType(init);
      return [{ kind: "bytes", value: blobMod.blobBytes(init), stream: null, used: false }, type === "" ? null : type];
    }
    if (formDataMod.isFormData(init)) {
      const { bytes, contentType } = formDataMod.serializeMultipart(init);
      return [{ kind: "bytes", value: bytes, stream: null, used: false }, contentType];
    }
    if (urlMod.isURLSearchParams(init)) {
      return [{ kind: "string", value: urlMod.serializeFormUrlencoded(init), stream: null, used: false },
        "application/x-www-form-urlencoded;charset=UTF-8"];
    }
    if (streams.isReadableStream(init)) {
      if (streams.isDisturbed(init) || streams.isLocked(init)) {
        throw new TypeErrorCtor(`${context}: the ReadableStream body is already locked or disturbed.`);
      }
      return [{ kind: "stream", value: null, stream: init, used: false }, null];
    }
  }
  return [{ kind: "string", value: toUSVString(init), stream: null, used: false }, "text/plain;charset=UTF-8"];
}

// Reads a chunk of a native body. A fetch() response's body record carries the request's signal:
// once it is aborted, a failed read rejects with the signal's reason.
function readNative(handle, signal) {
  const read = ops.bodyRead(handle);
  if (signal === undefined || signal === null) return read;
  return PromisePrototypeThen(read, undefined, (err) => {
    throw abort.signalAborted(signal) ? abort.signalReason(signal) : err;
  });
}

// The body as a ReadableStream (created on first use).
function bodyStream(body) {
  if (body.kind === "none") return null;
  if (body.stream !== null) return body.stream;
  let stream;
  if (body.kind === "native") {
    const handle = body.value;
    const signal = body.signal;
    stream = streams.streamFromPull(() => readNative(handle, signal), () => ops.bodyCancel(handle));
    streams.setNativeBody(stream, handle);
  } else {
    const bytes = body.kind === "string" ? encoding.utf8Encode(body.value) : copyBytes(body.value);
    const used = body.used;
    stream = streams.createByteStream((c) => {
      if (!used && bytes.length > 0) streams.controllerEnqueue(c, bytes);
      streams.controllerClose(c);
    }, () => PromiseResolve(undefined), () => PromiseResolve(undefined), 0);
  }
  body.kind = "stream";
  body.value = null;
  body.stream = stream;
  return stream;
}

function bodyUsed(body) {
  if (body.stream !== null) return streams.isDisturbed(body.stream);
  return body.used;
}

// Used, or its stream locked to a reader: nothing else may read it.
function bodyUnavailable(body) {
  return bodyUsed(body) || (body.stream !== null && streams.isLocked(body.stream));
}

// A string or bytes body's value, handed over whole: the body is used from then on.
function takeWholeBody(body) {
  if (bodyUnavailable(body)) throw new TypeErrorCtor(kUsedMessage);
  body.used = true;
  return body.value;
}

function concatChunks(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8ArrayCtor(total);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    TypedArrayPrototypeSet(out, chunks[i], offset);
    offset += chunks[i].length;
  }
  return out;
}

// Read the whole body: resolves to a string (string bodies not yet streamed) or Uint8Array.
function consumeBody(body) {
  if (body.kind === "none") return PromiseResolve(new Uint8ArrayCtor(0));
  if (bodyUnavailable(body)) {
    return PromiseReject(new TypeErrorCtor(kUsedMessage));
  }
  if (body.kind === "string") { body.used = true; return PromiseResolve(body.value); }
  if (body.kind === "bytes") { body.used = true; return PromiseResolve(body.value); }
  let read;
  if (body.kind === "native") {
    body.used = true;
    const handle = body.value;
    const signal = body.signal;
    read = () => readNative(handle, signal);
  } else {
    const reader = streams.acquireInternalReader(body.stream);
    read = () => PromisePrototypeThen(reader.read(), (chunk) => {
      if (chunk !== null && TypedArrayPrototypeGetSymbolToStringTag(chunk) !== "Uint8Array") {
        const err = new TypeErrorCtor("This ReadableStream did not return bytes: body chunks must be Uint8Array.");
        reader.cancel(err);
        throw err;
      }
      return chunk;
    });
  }
  const chunks = [];
  let total = 0;
  const loop = () => PromisePrototypeThen(read(), (chunk) => {
    if (chunk === null) return concatChunks(chunks, total);
    ArrayAppend(chunks, chunk);
    total += chunk.length;
    return loop();
  });
  return loop();
}

function asText(result) {
  return typeof result === "string" ? result : encoding.utf8Decode(result);
}
function asBytes(result, copy) {
  if (typeof result === "string") return encoding.utf8Encode(result);
  return copy ? copyBytes(result) : result;
}

function cloneBody(body) {
  if (bodyUnavailable(body)) {
    throw new TypeErrorCtor(kUsedMessage);
  }
  if (body.kind === "none") return noBody();
  if (body.kind === "string" || body.kind === "bytes") {
    return { kind: body.kind, value: body.value, stream: null, used: false };
  }
  if (body.kind === "native" && body.owned === true) {
    // Split natively: each branch still has the bytes as they came (see bodyParts).
    const pair = ops.bodyTee(body.value);
    if (pair !== null) {
      body.value = pair[0];
      return { kind: "native", value: pair[1], stream: null, used: false, signal: body.signal, owned: true };
    }
  }
  const [a, b] = streams.teeStream(bodyStream(body));
  body.stream = a;
  return { kind: "stream", value: null, stream: b, used: false };
}

// Hand the body to the runtime: {body, bodyKind, length} as described for hooks.responseParts.
// With `native`, a native body nothing has read yet (a fetched response's, or the inbound
// request's returned as the response) is handed over as its handle (bodyKind "native"), so the
// runtime copies it without JS in between: a fetched body's bytes as they came (still encoded),
// the request's with its length.
function bodyParts(body, native = false) {
  if (body.kind === "none") return { body: null, bodyKind: "none" };
  if (body.kind === "string" || body.kind === "bytes") return { body: takeWholeBody(body), bodyKind: body.kind };
  if (bodyUnavailable(body)) {
    throw new TypeErrorCtor(kUsedMessage);
  }
  if (body.kind === "native") {
    body.used = true;
    const handle = body.value;
    if (native) return { body: handle, bodyKind: "native" };
    const signal = body.signal;
    return { body: { read: () => readNative(handle, signal), cancel: () => { ops.bodyCancel(handle); } }, bodyKind: "stream" };
  }
  if (native) {
    const handle = streams.takeNativeBody(body.stream);
    if (handle !== null) return { body: handle, bodyKind: "native" };
  }
  const length = streams.knownLength(body.stream);
  const reader = streams.acquireInternalReader(body.stream);
  return {
    length,
    body: {
      read: () => PromisePrototypeThen(reader.read(), (chunk) => {
        if (chunk === null) return null;
        if (typeof chunk === "string") return encoding.utf8Encode(chunk);
        const bytes = encoding.bufferSourceBytes(chunk);
        if (bytes === null) throw new TypeErrorCtor("A ReadableStream used as a body must produce Uint8Array chunks.");
        return bytes;
      }),
      cancel: (reason) => { reader.cancel(reason); },
    },
    bodyKind: "stream",
  };
}

// Methods shared by Request and Response; `B(self)` returns the body record or throws, `H(self)`
// the Headers.
function defineBodyMixin(ctor, B, H) {
  const methods = {
    get body() { return bodyStream(B(this)); },
    get bodyUsed() { return bodyUsed(B(this)); },
    arrayBuffer() {
      let body;
      try { body = B(this); } catch (e) { return PromiseReject(e); }
      return PromisePrototypeThen(consumeBody(body), (r) => {
        const bytes = asBytes(r, false);
        const buffer = TypedArrayPrototypeGetBuffer(bytes);
        // A string body was just encoded into a buffer nobody else holds; bytes may be shared
        // with a clone or the caller's chunk, so copy them.
        return typeof r === "string" ? buffer
          : ArrayBufferPrototypeSlice(buffer, bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      });
    },
    bytes() {
      let body;
      try { body = B(this); } catch (e) { return PromiseReject(e); }
      return PromisePrototypeThen(consumeBody(body), (r) => asBytes(r, true));
    },
    text() {
      let body;
      try { body = B(this); } catch (e) { return PromiseReject(e); }
      return PromisePrototypeThen(consumeBody(body), asText);
    },
    json() {
      let body;
      try { body = B(this); } catch (e) { return PromiseReject(e); }
      return PromisePrototypeThen(consumeBody(body), (r) => JSONParse(asText(r)));
    },
    blob() {
      let body;
      try { body = B(this); } catch (e) { return PromiseReject(e); }
      const type = headersMod.getHeader(H(this), "content-type") ?? "";
      return PromisePrototypeThen(consumeBody(body), (r) => blobMod.makeBlob(asBytes(r, typeof r !== "string"), type));
    },
    formData() {
      let body;
      try { body = B(this); } catch (e) { return PromiseReject(e); }
      const type = headersMod.getHeader(H(this), "content-type");
      return PromisePrototypeThen(consumeBody(body), (r) => formDataMod.parseFormBody(asBytes(r, false), type));
    },
  };
  const names = ["body", "bodyUsed", "arrayBuffer", "bytes", "text", "json", "blob", "formData"];
  for (let i = 0; i < names.length; i++) {
    const desc = Reflect.getOwnPropertyDescriptor(methods, names[i]);
    desc.enumerable = true;
    desc.configurable = true;
    Reflect.defineProperty(ctor.prototype, names[i], desc);
  }
}

function setDefaultContentType(headers, type) {
  if (type !== null && !headersMod.hasHeader(headers, "content-type")) {
    headersMod.appendHeader(headers, "Content-Type", type);
  }
}

// ---- Request -----------------------------------------------------------------------------------

const normalizedMethods = { __proto__: null, DELETE: 1, GET: 1, HEAD: 1, OPTIONS: 1, POST: 1, PUT: 1 };
const forbiddenMethods = { __proto__: null, CONNECT: 1, TRACE: 1, TRACK: 1 };

function normalizeMethod(method) {
  const m = toByteString(method, "Invalid HTTP method string");
  if (!headersMod.isToken(m)) throw new TypeErrorCtor(`Invalid HTTP method string: ${m}`);
  const upper = StringPrototypeToUpperCase(m);
  if (upper in forbiddenMethods) throw new TypeErrorCtor(`Invalid HTTP method string: ${m}`);
  // Only these six are upper-cased (Fetch Standard); others keep their case.
  return upper in normalizedMethods ? upper : m;
}

const kInternalRequest = Symbol("internal Request");
let R;

class Request {
  #method = "GET";
  #url = "";
  #headers = null;
  #body = null;
  #redirect = "follow";
  #signal = null;
  #cf = undefined;

  // A request from the runtime keeps its headers as the flat [name, value, ...] array it came
  // with, and has no signal, until someone asks: most handlers never do.
  #hdrs() {
    const h = this.#headers;
    if (!ArrayIsArray(h)) return h;
    return (this.#headers = headersMod.headersFromFlat(h, "immutable"));
  }
  #sig() {
    return this.#signal ?? (this.#signal = abort.newSignal());
  }

  constructor(input, init = undefined) {
    if (input === kInternalRequest) return;
    if (arguments.length < 1) {
      throw new TypeErrorCtor("Failed to construct 'Request': 1 argument required, but only 0 present.");
    }
    if (init !== undefined && init !== null && typeof init !== "object") {
      throw new TypeErrorCtor("Failed to construct 'Request': parameter 2 is not of type 'RequestInit'.");
    }
    init = init ?? {};
    let source = null;
    if (typeof input === "object" && input !== null && R.isRequest(input)) {
      source = input;
      this.#method = source.#method;
      this.#url = source.#url;
      this.#redirect = source.#redirect;
      this.#cf = source.#cf;
    } else {
      const href = urlMod.parseURL(toUSVString(input));
      if (href === null) throw new TypeErrorCtor(`Failed to construct 'Request': Invalid URL: ${toUSVString(input)}`);
      this.#url = href;
    }
    if (init.method !== undefined) this.#method = normalizeMethod(init.method);
    if (init.redirect !== undefined) {
      const r = StringCtor(init.redirect);
      if (r === "error") {
        throw new TypeErrorCtor("Failed to construct 'Request': redirect 'error' is not supported; use 'manual' and check the response status code.");
      }
      if (r !== "follow" && r !== "manual") {
        throw new TypeErrorCtor(`Failed to construct 'Request': '${r}' is not a valid redirect mode (expected 'follow' or 'manual').`);
      }
      this.#redirect = r;
    }
    if (init.cf !== undefined) this.#cf = init.cf;
    let signal = source !== null ? source.#sig() : null;
    if ("signal" in init) {
      const s = init.signal;
      if (s !== null && s !== undefined && !abort.isAbortSignal(s)) {
        throw new TypeErrorCtor("Failed to construct 'Request': member signal is not of type AbortSignal.");
      }
      signal = s ?? null;
    }
    this.#signal = signal !== null ? abort.AbortSignal.any([signal]) : abort.newSignal();

    const headers = new Headers();
    if (init.headers !== undefined) headersMod.fillHeaders(headers, init.headers);
    else if (source !== null) headersMod.fillHeaders(headers, source.#hdrs());
    headersMod.setGuard(headers, "request");
    this.#headers = headers;

    const hasInitBody = init.body !== undefined && init.body !== null;
    const inputHasBody = source !== null && source.#body.kind !== "none";
    if ((hasInitBody || inputHasBody) && (this.#method === "GET" || this.#method === "HEAD")) {
      throw new TypeErrorCtor("Request with a GET or HEAD method cannot have a body.");
    }
    if (hasInitBody) {
      const [body, type] = extractBody(init.body, "Failed to construct 'Request'");
      this.#body = body;
      setDefaultContentType(headers, type);
    } else if (inputHasBody) {
      const sb = source.#body;
      if (bodyUsed(sb) || (sb.stream !== null && streams.isLocked(sb.stream))) {
        throw new TypeErrorCtor(`Failed to construct 'Request': ${kUsedMessage}`);
      }
      // The new request takes over the body; the source is left used.
      this.#body = { kind: sb.kind, value: sb.value, stream: sb.stream, used: false };
      source.#body = { kind: "string", value: "", stream: null, used: true };
    } else {
      this.#body = noBody();
    }
  }

  get method() { return this.#method; }
  get url() { return this.#url; }
  get headers() { return this.#hdrs(); }
  get redirect() { return this.#redirect; }
  get signal() { return this.#sig(); }
  get cf() { return this.#cf; }
  get fetcher() { return null; }
  get integrity() { return ""; }
  get keepalive() { return false; }

  clone() {
    const r = new Request(kInternalRequest);
    r.#method = this.#method;
    r.#url = this.#url;
    r.#redirect = this.#redirect;
    r.#cf = this.#cf;
    r.#signal = abort.AbortSignal.any([this.#sig()]);
    r.#headers = new Headers(this.#hdrs());
    headersMod.setGuard(r.#headers, headersMod.getGuard(this.#hdrs()));
    r.#body = cloneBody(this.#body);
    return r;
  }

  static {
    R = {
      isRequest: (v) => typeof v === "object" && v !== null && #body in v,
      body: (r) => {
        if (!R.isRequest(r)) throw new TypeErrorCtor("Illegal invocation: not a Request.");
        return r.#body;
      },
      make: (method, url, headers, body) => {
        const r = new Request(kInternalRequest);
        r.#method = method;
        r.#url = url;
        r.#headers = headers;  // a Headers, or a flat array made into one when first read
        r.#body = body;
        // As in workerd, a request that came in does not follow redirects when passed on to
        // fetch(): a proxy returns the redirect to its client.
        r.#redirect = "manual";
        return r;
      },
      parts: (r) => ({ method: r.#method, url: r.#url, headers: r.#hdrs(), body: r.#body }),
    };
  }
}
makeEnumerable(Request, ["method", "url", "headers", "redirect", "signal", "cf", "fetcher", "integrity", "keepalive", "clone"]);
defineBodyMixin(Request, R.body, (r) => R.parts(r).headers);

// ---- Response ----------------------------------------------------------------------------------

const nullBodyStatuses = [101, 204, 205, 304];
const redirectStatuses = [301, 302, 303, 307, 308];

function isReasonPhrase(s) {
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (!(c === 0x09 || (c >= 0x20 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF))) return false;
  }
  return true;
}

const kInternalResponse = Symbol("internal Response");
let P;

class Response {
  #type = "default";
  #status = 200;
  #statusText = "";
  #headers = null;
  #body = null;
  #cf = undefined;
  #url = "";
  #redirected = false;
  // "automatic": a Content-Encoding of gzip or br makes the runtime compress the body on the way
  // out; "manual": the body is already encoded.
  #encodeBody = "automatic";
  #webSocket = null;

  // Made without init.headers, a Response keeps its headers as a flat [name, value, ...] array
  // (at most its body's default Content-Type) until someone reads them: handlers that only return
  // it never do, and the runtime sends the array as it is.
  #hdrs() {
    const h = this.#headers;
    if (!ArrayIsArray(h)) return h;
    return (this.#headers = headersMod.headersFromFlat(h, "response"));
  }

  constructor(body = null, init = undefined) {
    if (body === kInternalResponse) return;
    if (init !== undefined && init !== null && typeof init !== "object") {
      throw new TypeErrorCtor("Failed to construct 'Response': parameter 2 is not of type 'ResponseInit'.");
    }
    init = init ?? {};
    const status = init.status === undefined ? 200 : toUnsignedShort(init.status);
    const webSocket = init.webSocket ?? null;
    if (webSocket !== null) {
      if (!websocket.isWebSocket(webSocket)) {
        throw new TypeErrorCtor("Failed to construct 'Response': webSocket must be a WebSocket.");
      }
      if (status !== 101) {
        throw new RangeErrorCtor("Failed to construct 'Response': a Response with a webSocket must have status 101.");
      }
      this.#webSocket = webSocket;
    } else if (status < 200 || status > 599) {
      throw new RangeErrorCtor("Responses may only be constructed with status codes in the range 200 to 599, inclusive.");
    }
    const statusText = init.statusText === undefined ? "" : toByteString(init.statusText, "Invalid statusText");
    if (!isReasonPhrase(statusText)) throw new TypeErrorCtor("Failed to construct 'Response': Invalid statusText.");
    this.#status = status;
    this.#statusText = statusText;
    this.#cf = init.cf;
    if (init.encodeBody !== undefined) {
      const mode = StringCtor(init.encodeBody);
      if (mode !== "automatic" && mode !== "manual") {
        throw new TypeErrorCtor(`Failed to construct 'Response': encodeBody must be "automatic" or "manual", not "${mode}".`);
      }
      this.#encodeBody = mode;
    }
    let headers = null;
    if (init.headers !== undefined) {
      headers = new Headers();
      headersMod.fillHeaders(headers, init.headers);
      headersMod.setGuard(headers, "response");
    }
    let type = null;
    if (body !== null && body !== undefined) {
      if (isNullBodyStatus(status)) {
        throw new TypeErrorCtor("Response with null body status (101, 204, 205, or 304) cannot have a body.");
      }
      const extracted = extractBody(body, "Failed to construct 'Response'");
      this.#body = extracted[0];
      type = extracted[1];
    } else {
      this.#body = noBody();
    }
    if (headers === null) {
      this.#headers = type === null ? [] : ["Content-Type", type];
    } else {
      setDefaultContentType(headers, type);
      this.#headers = headers;
    }
  }

  static error() {
    const r = new Response(kInternalResponse);
    r.#type = "error";
    r.#status = 0;
    r.#headers = headersMod.headersFromFlat([], "immutable");
    r.#body = noBody();
    return r;
  }

  static redirect(url, status = 302) {
    const href = urlMod.parseURL(toUSVString(url));
    if (href === null) throw new TypeErrorCtor(`Failed to execute 'redirect' on 'Response': Unable to parse URL: ${toUSVString(url)}`);
    const code = toUnsignedShort(status);
    if (!includes(redirectStatuses, code)) {
      throw new RangeErrorCtor(`${code} is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.`);
    }
    const r = new Response(kInternalResponse);
    r.#status = code;
    r.#headers = headersMod.headersFromFlat(["Location", href], "immutable");
    r.#body = noBody();
    return r;
  }

  static json(data, init = undefined) {
    const text = JSONStringify(data);
    if (text === undefined) {
      throw new TypeErrorCtor("Failed to execute 'json' on 'Response': the data is not JSON-serializable.");
    }
    const r = new Response(text, init);
    const headers = r.#headers;
    // Response.json always labels its body as JSON unless the caller chose a type.
    if (ArrayIsArray(headers)) {
      r.#headers = ["Content-Type", "application/json"];
    } else if (!headersMod.hasHeader(headers, "content-type") ||
               headersMod.getHeader(headers, "content-type") === "text/plain;charset=UTF-8") {
      headers.set("Content-Type", "application/json");
    }
    return r;
  }

  get type() { return this.#type; }
  get url() { return this.#url; }
  get redirected() { return this.#redirected; }
  get status() { return this.#status; }
  get ok() { return this.#status >= 200 && this.#status <= 299; }
  get statusText() { return this.#statusText; }
  get headers() { return this.#hdrs(); }
  get cf() { return this.#cf; }
  get webSocket() { return this.#webSocket; }

  clone() {
    const r = new Response(kInternalResponse);
    r.#type = this.#type;
    r.#status = this.#status;
    r.#statusText = this.#statusText;
    r.#cf = this.#cf;
    r.#url = this.#url;
    r.#redirected = this.#redirected;
    r.#encodeBody = this.#encodeBody;
    const headers = this.#hdrs();
    r.#headers = new Headers(headers);
    headersMod.setGuard(r.#headers, headersMod.getGuard(headers));
    r.#body = cloneBody(this.#body);
    return r;
  }

  static {
    P = {
      isResponse: (v) => typeof v === "object" && v !== null && #body in v,
      body: (r) => {
        if (!P.isResponse(r)) throw new TypeErrorCtor("Illegal invocation: not a Response.");
        return r.#body;
      },
      make: (status, statusText, headers, body, url, redirected, webSocket = null) => {
        const r = new Response(kInternalResponse);
        r.#webSocket = webSocket;
        r.#status = status;
        r.#statusText = statusText;
        r.#headers = headers;
        r.#body = body;
        r.#url = url ?? "";
        r.#redirected = redirected === true;
        return r;
      },
      // What the runtime sends, headers aside (see appendHeadersFlat).
      sendParts: (r) => ({ status: r.#status, statusText: r.#statusText, body: r.#body, encodeBody: r.#encodeBody, webSocket: r.#webSocket }),
      // responseParts for a Response: its parts as the sink's arguments, without building the
      // list when the body is a string or bytes and the headers are still the constructor's flat
      // pair (or none), as for nearly every Response a handler makes.
      toSink: (r, sink) => {
        const body = r.#body;
        const h = r.#headers;
        if (ArrayIsArray(h) && h.length <= 2 && (body.kind === "string" || body.kind === "bytes" || body.kind === "none")) {
          const value = body.kind === "none" ? null : takeWholeBody(body);
          const code = kBodyKindCodes[body.kind];
          const manual = r.#encodeBody === "manual";
          if (h.length === 0) return sink(r.#status, r.#statusText, code, value, -1, manual, r.#webSocket);
          return sink(r.#status, r.#statusText, code, value, -1, manual, r.#webSocket, h[0], h[1]);
        }
        const bp = bodyParts(body, true);
        const out = [r.#status, r.#statusText, kBodyKindCodes[bp.bodyKind], bp.body, bp.length ?? -1,
          r.#encodeBody === "manual", r.#webSocket];
        P.appendHeadersFlat(out, r);
        if (out.length <= kMaxSinkArguments) return ReflectApply(sink, undefined, out);
        // Too many headers for one argument each: they go as one array.
        return sink(out[0], out[1], out[2], out[3], out[4], out[5], out[6], ArrayPrototypeSlice(out, 7));
      },
      parts: (r) => {
        const parts = P.sendParts(r);
        parts.headers = r.#hdrs();
        return parts;
      },
      // The headers, appended to `out` as name, value, ... (without making a Headers of a flat list).
      appendHeadersFlat: (out, r) => {
        const h = r.#headers;
        if (!ArrayIsArray(h)) return headersMod.appendHeadersFlat(out, h);
        for (let i = 0; i < h.length; i++) ArrayAppend(out, h[i]);
        return out;
      },
    };
  }
}
makeEnumerable(Response, ["type", "url", "redirected", "status", "ok", "statusText", "headers", "cf", "webSocket", "clone"]);
defineBodyMixin(Response, P.body, (r) => P.parts(r).headers);

function includes(list, v) {
  for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
  return false;
}
function isNullBodyStatus(status) { return includes(nullBodyStatuses, status); }
function toUnsignedShort(v) {
  const n = NumberCtor(v);
  if (!NumberIsFinite(n)) return 0;
  const t = MathTrunc(n) % 65536;
  return t < 0 ? t + 65536 : t;
}

// ---- Fetcher (service bindings) ----------------------------------------------------------------

const kInternalFetcher = Symbol("internal Fetcher");
// fetch() with a target service (global_fetch.js installs it): fetchImpl(target, input, init, argc).
let fetchImpl = null;
let F;
class Fetcher {
  #target;
  constructor(key = undefined, target = undefined) {
    if (key !== kInternalFetcher) throw new TypeErrorCtor("Illegal constructor");
    this.#target = target;
  }

  fetch(input, init = undefined) {
    if (!F.isFetcher(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a Fetcher."));
    if (fetchImpl !== null) return fetchImpl(this.#target, input, init, arguments.length);
    let request;
    try {
      request = new Request(input, init);
    } catch (err) {
      return PromiseReject(err);
    }
    const signal = request.signal;
    if (abort.signalAborted(signal)) return PromiseReject(abort.signalReason(signal));
    const parts = R.parts(request);
    let bp;
    try { bp = bodyParts(parts.body); } catch (err) { return PromiseReject(err); }
    const result = ops.serviceFetch(this.#target, parts.method, parts.url,
      headersMod.headersToFlat(parts.headers), bp.body, bp.bodyKind);
    return PromisePrototypeThen(result, (r) => makeResponse(r[0], r[1], r[2], r[3], parts.url));
  }

  connect() {
    throw new TypeErrorCtor("Fetcher.connect() (TCP sockets over a service binding) is not supported yet.");
  }

  // Runs the target worker's scheduled handler (runtime/scheduled.cc): {outcome, noRetry}.
  scheduled(options = undefined) {
    if (!F.isFetcher(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a Fetcher."));
    try {
      let time = internal.primordials.DateNow();
      let cron = "";
      if (options !== undefined && options !== null) {
        if (options.scheduledTime !== undefined) time = +options.scheduledTime;
        if (options.cron !== undefined) cron = `${options.cron}`;
      }
      return ops.serviceScheduled(this.#target, time, cron);
    } catch (err) {
      return PromiseReject(err);
    }
  }

  static {
    F = { isFetcher: (v) => typeof v === "object" && v !== null && #target in v };
  }
}
makeEnumerable(Fetcher, ["fetch", "connect", "scheduled"]);
// As in workerd, Fetcher.scheduled() exists with the service_binding_extra_handlers flag.
// (Flags are the worker's: read when it starts, not when the built-ins are snapshotted.)
internal.onWorkerStart(() => {
  if (!ops.compatFlag("serviceBindingExtraHandlers")) delete Fetcher.prototype.scheduled;
});

// ---- FetchEvent (service-worker syntax) --------------------------------------------------------

const kInternalEvent = Symbol("internal FetchEvent");
let FE;
class FetchEvent extends events.Event {
  #request;
  #ctx;
  #response = null;
  #responded = false;
  constructor(key = undefined, request = undefined, ctx = undefined) {
    if (key !== kInternalEvent) throw new TypeErrorCtor("Illegal constructor");
    super("fetch");
    this.#request = request;
    this.#ctx = ctx;
  }
  get request() { return this.#request; }
  respondWith(response) {
    if (this.#responded) {
      throw new DOMException("FetchEvent.respondWith() has already been called; it can only be called once.", "InvalidStateError");
    }
    this.#responded = true;
    // A Response is handed on as it is (the runtime sends it at once); anything else as a
    // promise of it.
    this.#response = P.isResponse(response) ? response : PromiseResolve(response);
    this.stopImmediatePropagation();
  }
  waitUntil(promise) { this.#ctx.waitUntil(promise); }
  passThroughOnException() { this.#ctx.passThroughOnException(); }
  static {
    FE = { response: (e) => (e.#responded ? e.#response : undefined) };
  }
}
makeEnumerable(FetchEvent, ["request", "respondWith", "waitUntil", "passThroughOnException"]);

// ---- hooks for the runtime ---------------------------------------------------------------------

function makeRequest(method, url, headersFlat, body) {
  const record = body === null || body === undefined ? noBody()
    : { kind: "native", value: body, stream: null, used: false };
  return R.make(method, url, headersFlat, record);
}

// `signal` (optional): the fetch() request's signal, whose abort errors the body.
function makeResponse(status, statusText, headersFlat, body, url = "", redirected = false, signal = null) {
  const headers = headersMod.headersFromFlat(headersFlat, "immutable");
  if (status === 101 && body !== null && body !== undefined) {
    // An accepted WebSocket upgrade: `body` is the socket's native handle.
    return P.make(status, statusText, headers, noBody(), url, redirected, websocket.fromNative(body));
  }
  const record = body === null || body === undefined ? noBody()
    : { kind: "native", value: body, stream: null, used: false, signal, owned: true };
  return P.make(status, statusText, headers, record, url, redirected);
}

function describe(value) {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "object") return `an object (${ObjectPrototypeToString(value)})`;
  return `a ${typeof value}`;
}

// The kinds of body responseParts hands over, by number (kept in step with runtime/worker.cc).
const kBodyKindCodes = { none: 0, string: 1, bytes: 2, stream: 3, native: 4 };
const kMaxSinkArguments = 1024;

// What the runtime sends for a handler's Response, handed to the runtime's native `sink` as its
// arguments (reading arguments costs it less than reading properties): status, statusText, body
// kind code (kBodyKindCodes), body, known length or -1, encodeBody is "manual", webSocket or
// null, then the headers as name, value, ... (or, with very many, as one array).
function responseParts(value, sink) {
  if (!P.isResponse(value)) {
    throw new TypeErrorCtor(`The fetch handler must return a Response (or a Promise of one), but it returned ${describe(value)}.`);
  }
  return P.toSink(value, sink);
}

// A service worker's request: its Request and FetchEvent, dispatched on the global scope. Returns
// what respondWith() was given, or undefined.
function dispatchFetchEvent(method, url, headersFlat, body, ctx) {
  const event = new FetchEvent(kInternalEvent, makeRequest(method, url, headersFlat, body), ctx);
  events.setTrusted(event);
  events.dispatch(theGlobal, event);
  return FE.response(event);
}

exports.Request = Request;
exports.Response = Response;
exports.Fetcher = Fetcher;
exports.FetchEvent = FetchEvent;
exports.makeRequest = makeRequest;
exports.makeResponse = makeResponse;
exports.responseParts = responseParts;
exports.makeFetcher = (target) => new Fetcher(kInternalFetcher, target);
exports.dispatchFetchEvent = dispatchFetchEvent;
exports.isRequest = R.isRequest;
exports.requestParts = (r) => R.parts(r);
exports.bodyParts = bodyParts;
exports.setFetchImpl = (fn) => { fetchImpl = fn; };
exports.isResponse = P.isResponse;
