"use strict";
// HTML's MessageChannel, MessagePort and MessageEvent, inside one isolate. postMessage()
// structured-clones the message at once (transferring listed ArrayBuffers) and appends it to the
// entangled port's message queue; each queued message is delivered to an enabled port by its own
// task (a zero-delay native timer), never a microtask. A port's queue is enabled by start() or by
// setting onmessage; close() disentangles both ports and drops what the closed port had queued.

const {
  ArrayAppend, ArrayIsArray, ArrayPrototypeShift, ObjectFreeze, ObjectPrototypeToString, String: StringCtor,
  SymbolIterator, TypeError: TypeErrorCtor, ReflectGetOwnPropertyDescriptor, ObjectDefineProperty,
  FunctionPrototypeCall, makeEnumerable, setToStringTag,
} = internal.primordials;
const ops = internal.ops;
const { DOMException } = internal.require("dom_exception");
const events = internal.require("events");
const { Event, EventTarget } = events;

const makeDataCloneError = (message) => new DOMException(message, "DataCloneError");
let makeMessageEvent;

class MessageEvent extends Event {
  #data;
  #origin;
  #lastEventId;
  #source;
  #ports;

  constructor(type, eventInitDict = undefined) {
    if (arguments.length === 0) {
      throw new TypeErrorCtor("Failed to construct 'MessageEvent': 1 argument required, but only 0 present.");
    }
    super(type, eventInitDict);
    const init = eventInitDict ?? {};
    this.#data = init.data === undefined ? null : init.data;
    this.#origin = init.origin === undefined ? "" : StringCtor(init.origin);
    this.#lastEventId = init.lastEventId === undefined ? "" : StringCtor(init.lastEventId);
    const source = init.source === undefined ? null : init.source;
    if (source !== null && !isPort(source)) {
      throw new TypeErrorCtor("Failed to construct 'MessageEvent': the source must be a MessagePort or null.");
    }
    this.#source = source;
    const ports = [];
    if (init.ports !== undefined) {
      const list = init.ports;
      if (list === null || typeof list !== "object" || typeof list[SymbolIterator] !== "function") {
        throw new TypeErrorCtor("Failed to construct 'MessageEvent': the ports member is not a sequence.");
      }
      for (const port of list) {
        if (!isPort(port)) {
          throw new TypeErrorCtor("Failed to construct 'MessageEvent': every entry of ports must be a MessagePort.");
        }
        ArrayAppend(ports, port);
      }
    }
    this.#ports = ObjectFreeze(ports);
  }

  get data() { return this.#data; }
  static {
    // A trusted "message" event carrying `data` as is (undefined included).
    makeMessageEvent = (data) => {
      const event = new MessageEvent("message");
      event.#data = data;
      events.setTrusted(event);
      return event;
    };
  }
  get origin() { return this.#origin; }
  get lastEventId() { return this.#lastEventId; }
  get source() { return this.#source; }
  get ports() { return this.#ports; }
}
makeEnumerable(MessageEvent, ["data", "origin", "lastEventId", "source", "ports"]);
setToStringTag(MessageEvent, "MessageEvent");

const kCreate = Symbol("MessagePort creation");
let isPort, entangle;

// The transfer list from postMessage's second argument: a sequence, or an options dictionary
// with a `transfer` sequence. Only ArrayBuffers can be transferred.
function transferList(arg, self) {
  if (arg === undefined || arg === null) return [];
  if (typeof arg !== "object" && typeof arg !== "function") {
    throw new TypeErrorCtor("Failed to execute 'postMessage' on 'MessagePort': parameter 2 is not a sequence or a StructuredSerializeOptions dictionary.");
  }
  let list = arg;
  if (!ArrayIsArray(arg) && typeof arg[SymbolIterator] !== "function") {
    list = arg.transfer;
    if (list === undefined) return [];
  }
  if (list === null || typeof list !== "object" || typeof list[SymbolIterator] !== "function") {
    throw new TypeErrorCtor("Failed to execute 'postMessage' on 'MessagePort': the transfer list is not a sequence.");
  }
  const out = [];
  for (const item of list) {
    if (item === null || (typeof item !== "object" && typeof item !== "function")) {
      throw new TypeErrorCtor("Failed to execute 'postMessage' on 'MessagePort': every transfer list entry must be an object.");
    }
    ArrayAppend(out, item);
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i] === self) {
      throw makeDataCloneError("A MessagePort cannot transfer itself.");
    }
    if (ObjectPrototypeToString(out[i]) !== "[object ArrayBuffer]") {
      throw makeDataCloneError("Only ArrayBuffers can be transferred by postMessage.");
    }
  }
  return out;
}

class MessagePort extends EventTarget {
  #other = null;
  #queue = [];
  #enabled = false;
  #closed = false;

  constructor(key = undefined) {
    if (key !== kCreate) throw new TypeErrorCtor("Illegal constructor");
    super();
  }

  postMessage(message, transfer = undefined) {
    if (!isPort(this)) throw new TypeErrorCtor("Failed to execute 'postMessage' on 'MessagePort': Illegal invocation.");
    if (arguments.length < 1) {
      throw new TypeErrorCtor("Failed to execute 'postMessage' on 'MessagePort': 1 argument required, but only 0 present.");
    }
    const list = transferList(transfer, this);
    const clone = ops.structuredClone(message, list, makeDataCloneError);
    const target = this.#other;
    if (target === null) return;
    target.#receive(clone);
  }

  start() {
    if (!isPort(this)) throw new TypeErrorCtor("Failed to execute 'start' on 'MessagePort': Illegal invocation.");
    if (this.#enabled) return;
    this.#enabled = true;
    for (let i = 0; i < this.#queue.length; i++) this.#schedule();
  }

  close() {
    if (!isPort(this)) throw new TypeErrorCtor("Failed to execute 'close' on 'MessagePort': Illegal invocation.");
    this.#closed = true;
    this.#queue = [];
    const other = this.#other;
    if (other !== null) {
      other.#other = null;
      this.#other = null;
    }
  }

  #receive(data) {
    if (this.#closed) return;
    ArrayAppend(this.#queue, data);
    if (this.#enabled) this.#schedule();
  }

  // One task per queued message; each delivers the oldest one still queued.
  #schedule() {
    ops.setTimer(() => this.#deliver(), 0, false);
  }

  #deliver() {
    if (this.#closed || this.#queue.length === 0) return;
    const data = ArrayPrototypeShift(this.#queue);
    events.dispatch(this, makeMessageEvent(data));
  }

  static {
    isPort = (value) => typeof value === "object" && value !== null && #queue in value;
    entangle = (a, b) => { a.#other = b; b.#other = a; };
  }
}
makeEnumerable(MessagePort, ["postMessage", "start", "close"]);
setToStringTag(MessagePort, "MessagePort");
events.defineEventHandler(MessagePort.prototype, "message");
events.defineEventHandler(MessagePort.prototype, "messageerror");
{
  // Setting onmessage enables the port's message queue, as start() does.
  const desc = ReflectGetOwnPropertyDescriptor(MessagePort.prototype, "onmessage");
  const baseSet = desc.set;
  const start = MessagePort.prototype.start;
  desc.set = function (value) {
    if (!isPort(this)) throw new TypeErrorCtor("Failed to set 'onmessage' on 'MessagePort': Illegal invocation.");
    FunctionPrototypeCall(baseSet, this, value);
    FunctionPrototypeCall(start, this);
  };
  ObjectDefineProperty(MessagePort.prototype, "onmessage", desc);
}

class MessageChannel {
  #port1;
  #port2;
  constructor() {
    this.#port1 = new MessagePort(kCreate);
    this.#port2 = new MessagePort(kCreate);
    entangle(this.#port1, this.#port2);
  }
  get port1() { return this.#port1; }
  get port2() { return this.#port2; }
}
makeEnumerable(MessageChannel, ["port1", "port2"]);
setToStringTag(MessageChannel, "MessageChannel");

exports.MessageEvent = MessageEvent;
exports.MessagePort = MessagePort;
exports.MessageChannel = MessageChannel;
exports.isMessagePort = (value) => isPort(value);
