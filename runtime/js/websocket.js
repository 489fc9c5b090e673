"use strict";
// WebSocket, WebSocketPair, CloseEvent and ErrorEvent.
//
// A WebSocket's far end is either another WebSocket of the same pair (messages are handed over
// in-process, each delivered by its own microtask), or a native handle (ops.ws*: an upgraded
// client connection, a service's end of a WebSocket pipe, or an upstream reached by fetch()).
// A pair end returned in `new Response(null, {status: 101, webSocket})` is "given" to the
// runtime: its partner's far end becomes the connection's native handle (hooks.bindWebSocket).
// Events that arrive before accept() wait in a queue; accept() releases them.

const {
  ArrayAppend, ArrayBufferIsView, ArrayBufferPrototypeSlice, ArrayBuffer: ArrayBufferCtor,
  ArrayPrototypeShift, ArrayPrototypeJoin, Number: NumberCtor, PromisePrototypeThen,
  StringPrototypeIndexOf, StringPrototypeSlice, StringPrototypeToLowerCase, NumberIsFinite, MathTrunc, ObjectDefineProperty,
  String: StringCtor, TypeError: TypeErrorCtor, TypedArrayPrototypeSlice, Uint8Array: Uint8ArrayCtor,
  makeEnumerable,
} = internal.primordials;
const ops = internal.ops;
const { DOMException } = internal.require("dom_exception");
const events = internal.require("events");
const encoding = internal.require("encoding");
const { queueMicrotask } = internal.require("timers");
const { Event, EventTarget } = events;

const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
// Callback kinds from the native side (runtime/api/websocket.cc).
const kMessage = 0, kClose = 1, kError = 2;

// ---- events ------------------------------------------------------------------------------------

class CloseEvent extends Event {
  #code;
  #reason;
  #wasClean;
  constructor(type, init = undefined) {
    if (arguments.length === 0) {
      throw new TypeErrorCtor("Failed to construct 'CloseEvent': 1 argument required, but only 0 present.");
    }
    super(type, init);
    const i = init ?? {};
    this.#code = i.code === undefined ? 0 : toUnsignedShort(i.code);
    this.#reason = i.reason === undefined ? "" : StringCtor(i.reason);
    this.#wasClean = !!i.wasClean;
  }
  get code() { return this.#code; }
  get reason() { return this.#reason; }
  get wasClean() { return this.#wasClean; }
}
makeEnumerable(CloseEvent, ["code", "reason", "wasClean"]);

class ErrorEvent extends Event {
  #message;
  #error;
  constructor(type, init = undefined) {
    if (arguments.length === 0) {
      throw new TypeErrorCtor("Failed to construct 'ErrorEvent': 1 argument required, but only 0 present.");
    }
    super(type, init);
    const i = init ?? {};
    this.#message = i.message === undefined ? "" : StringCtor(i.message);
    this.#error = i.error;
  }
  get message() { return this.#message; }
  get filename() { return ""; }
  get lineno() { return 0; }
  get colno() { return 0; }
  get error() { return this.#error; }
}
makeEnumerable(ErrorEvent, ["message", "filename", "lineno", "colno", "error"]);

// MessageEvent belongs to message_channel.js when it is built in; a minimal one otherwise.
class SocketMessageEvent extends Event {
  #data;
  constructor(type, init) {
    super(type, init);
    this.#data = init.data;
  }
  get data() { return this.#data; }
}
let MessageEventClass = null;
function newMessageEvent(data) {
  if (MessageEventClass === null) {
    try {
      MessageEventClass = internal.require("message_channel").MessageEvent ?? SocketMessageEvent;
    } catch {
      MessageEventClass = SocketMessageEvent;
    }
  }
  return new MessageEventClass("message", { data });
}

function toUnsignedShort(v) {
  const n = NumberCtor(v);
  if (!NumberIsFinite(n)) return 0;
  const t = MathTrunc(n) % 65536;
  return t < 0 ? t + 65536 : t;
}

function copyBuffer(data) {
  if (data instanceof ArrayBufferCtor) return ArrayBufferPrototypeSlice(data, 0);
  if (ArrayBufferIsView(data)) {
    const bytes = new Uint8ArrayCtor(data.buffer, data.byteOffset, data.byteLength);
    return TypedArrayPrototypeSlice(bytes).buffer;
  }
  return null;
}

// ---- WebSocket ---------------------------------------------------------------------------------

const kInternal = Symbol("internal WebSocket");
let W;

class WebSocket extends EventTarget {
  #readyState = OPEN;
  #url = null;
  #protocol = "";
  #accepted = false;
  #peer = null;       // the other end of a WebSocketPair
  #native = null;     // far end is a native handle
  #started = false;   // the native handle delivers events
  #given = null;      // returned in a 101 response: {handle} (what reaches it goes there)
  #pending = [];      // events received before accept()
  #closeSent = false;
  #closeReceived = false;

  constructor(url, protocols = undefined) {
    if (url === kInternal) {
      super();
      return;
    }
    if (arguments.length === 0) {
      throw new TypeErrorCtor("Failed to construct 'WebSocket': 1 argument required, but only 0 present.");
    }
    super();
    const urlMod = internal.require("url");
    const href = urlMod.parseURL(StringCtor(url));
    if (href === null) throw new DOMException(`Failed to construct 'WebSocket': The URL '${url}' is invalid.`, "SyntaxError");
    const colon = StringPrototypeIndexOf(href, ":");
    const scheme = StringPrototypeToLowerCase(StringPrototypeSlice(href, 0, colon));
    let target;
    if (scheme === "ws" || scheme === "http") target = "http" + StringPrototypeSlice(href, colon);
    else if (scheme === "wss" || scheme === "https") target = "https" + StringPrototypeSlice(href, colon);
    else {
      throw new DOMException(`Failed to construct 'WebSocket': The URL's scheme must be either 'ws' or 'wss'. '${scheme}' is not allowed.`, "SyntaxError");
    }
    if (StringPrototypeIndexOf(href, "#") >= 0) {
      throw new DOMException("Failed to construct 'WebSocket': The URL contains a fragment identifier. Fragment identifiers are not allowed in WebSocket URLs.", "SyntaxError");
    }
    let list = [];
    if (protocols !== undefined) {
      if (typeof protocols === "string") {
        list = [protocols];
      } else {
        for (const p of protocols) ArrayAppend(list, StringCtor(p));
      }
    }
    this.#url = href;
    this.#readyState = CONNECTING;
    this.#accepted = true;
    const headers = { Upgrade: "websocket" };
    if (list.length > 0) headers["Sec-WebSocket-Protocol"] = ArrayPrototypeJoin(list, ", ");
    const { fetch } = internal.require("global_fetch");
    const connected = PromisePrototypeThen(fetch(target, { headers }), (response) => {
      const ws = response.webSocket;
      if (response.status !== 101 || ws === null) {
        throw new TypeErrorCtor(`the server answered the WebSocket request with status ${response.status}`);
      }
      if (this.#readyState !== CONNECTING) {
        // close() was called while connecting.
        ops.wsClose(ws.#native, 1000, "");
        return;
      }
      this.#native = ws.#native;
      ws.#native = null;
      ws.#given = { handle: this.#native };
      this.#protocol = response.headers.get("sec-websocket-protocol") ?? "";
      this.#readyState = OPEN;
      startNative(this);
      dispatch(this, new Event("open"));
    });
    PromisePrototypeThen(connected, undefined, (err) => {
      if (this.#readyState === CLOSED) return;
      this.#readyState = CLOSED;
      dispatch(this, new ErrorEvent("error", { message: `WebSocket connection to ${href} failed: ${err?.message ?? err}`, error: err }));
      dispatch(this, new CloseEvent("close", { code: 1006, reason: "", wasClean: false }));
    });
  }

  get readyState() { return this.#readyState; }
  get url() { return this.#url; }
  get protocol() { return this.#protocol; }
  get extensions() { return ""; }
  get binaryType() { return "arraybuffer"; }
  set binaryType(value) {
    if (StringCtor(value) !== "arraybuffer") {
      throw new DOMException("WebSocket binaryType must be 'arraybuffer' in this runtime.", "NotSupportedError");
    }
  }

  accept() {
    if (!W.isWebSocket(this)) throw new TypeErrorCtor("Illegal invocation: not a WebSocket.");
    if (this.#given !== null) {
      throw new TypeErrorCtor("This WebSocket was returned in a Response and belongs to the runtime; it cannot be accepted.");
    }
    if (this.#accepted) {
      if (this.#url !== null) throw new TypeErrorCtor("A WebSocket made with new WebSocket() is accepted already.");
      return;  // accepting again changes nothing
    }
    this.#accepted = true;
    if (this.#native !== null) startNative(this);
    if (this.#pending.length > 0) {
      queueMicrotask(() => {
        while (this.#pending.length > 0) {
          const e = ArrayPrototypeShift(this.#pending);
          receive(this, e[0], e[1], e[2], e[3]);
        }
      });
    }
  }

  send(data) {
    if (!W.isWebSocket(this)) throw new TypeErrorCtor("Illegal invocation: not a WebSocket.");
    if (arguments.length === 0) {
      throw new TypeErrorCtor("Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present.");
    }
    if (this.#readyState === CONNECTING) {
      throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", "InvalidStateError");
    }
    if (!this.#accepted) {
      throw new TypeErrorCtor("You must call accept() on this WebSocket before sending messages.");
    }
    if (this.#closeSent || this.#readyState === CLOSED) {
      throw new TypeErrorCtor("Can't call WebSocket send() after close().");
    }
    let message;
    if (typeof data === "string") {
      message = data;
    } else {
      message = copyBuffer(data);
      if (message === null) {
        if (typeof data === "object" && data !== null) {
          throw new TypeErrorCtor("Failed to execute 'send' on 'WebSocket': the message must be a string, an ArrayBuffer or an ArrayBufferView.");
        }
        message = StringCtor(data);
      }
    }
    transmit(this, kMessage, message);
  }

  close(code = undefined, reason = undefined) {
    if (!W.isWebSocket(this)) throw new TypeErrorCtor("Illegal invocation: not a WebSocket.");
    if (code !== undefined) {
      code = toUnsignedShort(code);
      // Codes a Close frame may carry (RFC 6455 section 7.4).
      const sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
      if (!sendable) {
        throw new DOMException(`Failed to execute 'close' on 'WebSocket': ${code} is not a close code that may be sent.`, "InvalidAccessError");
      }
    }
    reason = reason === undefined ? "" : StringCtor(reason);
    if (encoding.utf8Encode(reason).length > 123) {
      throw new DOMException("Failed to execute 'close' on 'WebSocket': The close reason must not be greater than 123 UTF-8 bytes.", "SyntaxError");
    }
    if (this.#readyState === CONNECTING) {
      this.#readyState = CLOSED;
      dispatch(this, new CloseEvent("close", { code: 1006, reason: "", wasClean: false }));
      return;
    }
    if (!this.#accepted) {
      throw new TypeErrorCtor("You must call accept() on this WebSocket before closing it.");
    }
    if (this.#closeSent || this.#readyState === CLOSED) return;
    this.#closeSent = true;
    this.#readyState = this.#closeReceived ? CLOSED : CLOSING;
    transmit(this, kClose, code ?? 1005, reason);
  }

  static {
    W = {
      isWebSocket: (v) => typeof v === "object" && v !== null && #pending in v,
      // The other end of a WebSocketPair (null once the pair is served or for other sockets).
      partner: (ws) => ws.#peer,
      // Something reached `ws` (from its pair partner, or from its native handle).
      receive: (ws, kind, a, b, c) => {
        if (ws.#given !== null) {
          // `ws` was returned in a response: what its partner sends goes to the connection.
          const handle = ws.#given.handle;
          if (handle === null) return;
          if (kind === kMessage) ops.wsSend(handle, a);
          else if (kind === kClose) ops.wsClose(handle, a === 1005 ? 1000 : a, b);
          return;
        }
        if (!ws.#accepted) {
          ArrayAppend(ws.#pending, [kind, a, b, c]);
          return;
        }
        if (ws.#closeReceived) return;
        if (kind === kMessage) {
          if (ws.#readyState === CLOSED) return;
          dispatch(ws, newMessageEvent(a));
        } else if (kind === kClose) {
          ws.#closeReceived = true;
          ws.#readyState = ws.#closeSent ? CLOSED : CLOSING;
          dispatch(ws, new CloseEvent("close", { code: a, reason: b, wasClean: c !== false }));
          // A listener may answer with close(code, reason); otherwise the Close is echoed.
          if (!ws.#closeSent && c !== false) {
            ws.#closeSent = true;
            transmit(ws, kClose, a === 1005 || a === 1006 || a === 1015 ? 1000 : a, "");
          }
          ws.#readyState = CLOSED;
        } else if (kind === kError) {
          ws.#readyState = CLOSED;
          dispatch(ws, new ErrorEvent("error", { message: StringCtor(a), error: new TypeErrorCtor(StringCtor(a)) }));
        }
      },
      // Sends from `ws` to its far end.
      transmit: (ws, kind, a, b) => {
        if (ws.#native !== null) {
          if (kind === kMessage) ops.wsSend(ws.#native, a);
          else ops.wsClose(ws.#native, a === 1005 ? 1000 : a, b);
          return;
        }
        const peer = ws.#peer;
        if (peer === null) return;
        const data = kind === kMessage && typeof a !== "string" ? copyBuffer(a) : a;
        queueMicrotask(() => W.receive(peer, kind, data, b, true));
      },
      startNative: (ws) => {
        if (ws.#started) return;
        ws.#started = true;
        ops.wsStart(ws.#native, (kind, a, b, c) => W.receive(ws, kind, a, b, c));
      },
      pair: () => {
        const a = new WebSocket(kInternal);
        const b = new WebSocket(kInternal);
        a.#peer = b;
        b.#peer = a;
        return [a, b];
      },
      fromNative: (handle) => {
        const ws = new WebSocket(kInternal);
        ws.#native = handle;
        return ws;
      },
      // hooks.webSocketForResponse: null to serve a pair end, or the native handle to pass through.
      forResponse: (ws) => {
        if (!W.isWebSocket(ws)) throw new TypeErrorCtor("The Response's webSocket is not a WebSocket.");
        if (ws.#given !== null || ws.#accepted) {
          throw new TypeErrorCtor("Can't return a WebSocket in a Response after calling accept() on it or returning it before.");
        }
        if (ws.#native !== null) {
          const handle = ws.#native;
          ws.#native = null;
          ws.#given = { handle: null };
          return handle;
        }
        if (ws.#peer === null) throw new TypeErrorCtor("This WebSocket has no peer to serve.");
        return null;
      },
      // hooks.bindWebSocket: the pair end `ws` now stands for the connection `handle`.
      bind: (ws, handle) => {
        const partner = ws.#peer;
        ws.#peer = null;
        ws.#given = { handle };
        partner.#peer = null;
        partner.#native = handle;
        // What the partner sent before the response was returned goes out first.
        const early = ws.#pending;
        ws.#pending = [];
        for (let i = 0; i < early.length; i++) W.receive(ws, early[i][0], early[i][1], early[i][2], early[i][3]);
        W.startNative(partner);
      },
    };
  }
}
for (const [name, value] of [["CONNECTING", CONNECTING], ["OPEN", OPEN], ["CLOSING", CLOSING], ["CLOSED", CLOSED]]) {
  const desc = { value, enumerable: true, writable: false, configurable: false };
  ObjectDefineProperty(WebSocket, name, desc);
  ObjectDefineProperty(WebSocket.prototype, name, desc);
}
makeEnumerable(WebSocket, ["readyState", "url", "protocol", "extensions", "binaryType", "accept", "send", "close"]);
for (const name of ["open", "message", "close", "error"]) events.defineEventHandler(WebSocket.prototype, name);

const receive = W.receive;
const transmit = W.transmit;
const startNative = W.startNative;

function dispatch(target, event) {
  events.setTrusted(event);
  events.dispatch(target, event);
}

class WebSocketPair {
  constructor() {
    const [client, server] = W.pair();
    ObjectDefineProperty(this, 0, { value: client, enumerable: true, writable: true, configurable: true });
    ObjectDefineProperty(this, 1, { value: server, enumerable: true, writable: true, configurable: true });
  }
}

exports.WebSocket = WebSocket;
exports.WebSocketPair = WebSocketPair;
exports.CloseEvent = CloseEvent;
exports.ErrorEvent = ErrorEvent;
exports.isWebSocket = W.isWebSocket;
exports.pairPartner = W.partner;
exports.fromNative = W.fromNative;
exports.webSocketForResponse = W.forResponse;
exports.bindWebSocket = W.bind;
