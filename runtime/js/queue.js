"use strict";
// queue bindings (producers): send() and sendBatch() speak workerd's queue protocol to the
// designated service: POST https://fake-host/message with the serialized body (V8 serialization
// unless contentType says text, bytes or json, named in X-Msg-Fmt), and POST
// https://fake-host/batch with {"messages": [{"body": base64, "contentType"?}]} and the
// CF-Queue-Batch-Count / -Bytes / CF-Queue-Largest-Msg headers. delaySeconds goes in
// X-Msg-Delay-Secs (per message in the batch JSON). A non-200 answer rejects with
// "Queue send failed: <status text>".
//
// Local delivery: when the service is a worker whose handler has queue(), Colony is the broker
// (runtime/queue_consumer.cc): send() stores each message (V8-serialized) in the queue's spool
// directory, shared by every runtime process, and the runtime processes deliver them in batches
// to `queue(batch, env, ctx)` with batch.queue = the binding's name. The batch records what the
// handler acked or retried (with delays); the runtime settles each message from that record.

const {
  ArrayIsArray, ArrayPrototypePush, JSONStringify, MathMax, ObjectFreeze, Symbol: SymbolCtor,
  TypeError: TypeErrorCtor, Error: ErrorCtor, RangeError: RangeErrorCtor, Uint8Array: Uint8ArrayCtor,
  TypedArrayPrototypeGetByteLength, StringPrototypeToLowerCase,
} = internal.primordials;
const ops = internal.ops;
const encoding = internal.require("encoding");

const kToken = SymbolCtor("queue");
const encoder = new encoding.TextEncoder();
const kTypes = ["text", "bytes", "json", "v8"];

// From the 2024-03-18 compatibility date (queues_json_messages) messages are JSON by default,
// as in workerd; before it, V8-serialized.
function contentTypeOf(type) {
  if (type === undefined) return ops.compatFlag("queuesJsonMessages") ? "json" : undefined;
  const lower = StringPrototypeToLowerCase(`${type}`);
  if (kTypes.indexOf(lower) === -1) throw new TypeErrorCtor(`Unsupported queue message content type: ${type}`);
  return lower;
}

function serialize(body, type) {
  if (body === undefined) throw new TypeErrorCtor("Message body cannot be undefined");
  switch (type) {
    case "text":
      if (typeof body !== "string") {
        throw new TypeErrorCtor(`Content Type "text" requires a value of type string, but received: ${typeof body}`);
      }
      return encoder.encode(body);
    case "bytes":
      if (!ArrayBuffer.isView(body)) {
        throw new TypeErrorCtor(`Content Type "bytes" requires a value of type ArrayBufferView, but received: ${typeof body}`);
      }
      return new Uint8ArrayCtor(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    case "json":
      return encoder.encode(JSONStringify(body));
    default:
      return ops.serializeValue(body);
  }
}

function base64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return encoding.btoa(binary);
}

function delayOf(options) {
  if (options === undefined || options === null || options.delaySeconds === undefined) return undefined;
  const delay = +options.delaySeconds;
  if (!(delay >= 0 && delay <= 43200)) throw new RangeErrorCtor("delaySeconds must be a number of seconds from 0 to 43200.");
  return delay;
}

class WorkerQueue {
  #fetcher;
  #local;
  #target;
  #name;
  constructor(token, fetcher, target, name) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#fetcher = fetcher;
    this.#target = target;
    this.#name = name;
    this.#local = undefined;
  }

  // Decided at the first send: by then every worker of the process has started.
  #delivery() {
    if (this.#local === undefined) this.#local = ops.queueHasConsumer(this.#target, this.#name);
    return this.#local;
  }

  #store(items) {
    ops.queueSend(this.#target, this.#name, items);
  }

  async send(body, options) {
    const type = contentTypeOf(options ? options.contentType : undefined);
    const bytes = serialize(body, type);
    const delay = delayOf(options);
    if (this.#delivery()) {
      this.#store([{ body: ops.serializeValue(type === "bytes" ? bytes : body), delay: delay || 0 }]);
      return;
    }
    const headers = { "Content-Type": "application/octet-stream" };
    if (type !== undefined) headers["X-Msg-Fmt"] = type;
    if (delay !== undefined) headers["X-Msg-Delay-Secs"] = `${delay}`;
    const response = await this.#fetcher.fetch("https://fake-host/message", { method: "POST", headers, body: bytes });
    await response.arrayBuffer();
    if (response.status !== 200) throw new ErrorCtor(`Queue send failed: ${response.statusText}`);
  }

  async sendBatch(messages, options) {
    if (messages === null || typeof messages !== "object" || typeof messages[Symbol.iterator] !== "function") {
      throw new TypeErrorCtor("sendBatch() takes an iterable of messages ({body, contentType?, delaySeconds?})");
    }
    const list = [...messages];
    if (list.length === 0) throw new TypeErrorCtor("sendBatch() requires at least one message");
    const batchDelay = delayOf(options);
    if (this.#delivery()) {
      const items = [];
      for (const message of list) {
        const type = contentTypeOf(message.contentType);
        const bytes = serialize(message.body, type);
        const delay = delayOf(message);
        ArrayPrototypePush(items, {
          body: ops.serializeValue(type === "bytes" ? bytes : message.body),
          delay: (delay === undefined ? batchDelay : delay) || 0,
        });
      }
      this.#store(items);
      return;
    }
    const items = [];
    let total = 0;
    let largest = 0;
    for (const message of list) {
      const type = contentTypeOf(message.contentType);
      const bytes = serialize(message.body, type);
      const size = TypedArrayPrototypeGetByteLength(bytes);
      total += size;
      largest = MathMax(largest, size);
      const item = { body: base64(bytes) };
      if (type !== undefined) item.contentType = type;
      const delay = delayOf(message);
      if (delay !== undefined) item.delaySecs = delay;
      ArrayPrototypePush(items, item);
    }
    const headers = {
      "Content-Type": "application/json",
      "CF-Queue-Batch-Count": `${list.length}`,
      "CF-Queue-Batch-Bytes": `${total}`,
      "CF-Queue-Largest-Msg": `${largest}`,
    };
    if (batchDelay !== undefined) headers["X-Msg-Delay-Secs"] = `${batchDelay}`;
    const response = await this.#fetcher.fetch("https://fake-host/batch", {
      method: "POST", headers, body: JSONStringify({ messages: items }),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new ErrorCtor(`Queue sendBatch failed: ${response.statusText}`);
  }
}

// ---- the consumer side: the batch a queue() handler receives ---------------------------------

class Message {
  #id; #timestamp; #body; #attempts; #state;
  constructor(token, item, state) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#id = item.id;
    this.#timestamp = new Date(item.timestamp);
    this.#body = ops.deserializeValue(item.body);
    this.#attempts = item.attempts;
    this.#state = state;
  }
  get id() { return this.#id; }
  get timestamp() { return this.#timestamp; }
  get body() { return this.#body; }
  get attempts() { return this.#attempts; }
  ack() {
    if (this.#state.retried.indexOf(this.#id) === -1 && this.#state.acked.indexOf(this.#id) === -1) {
      ArrayPrototypePush(this.#state.acked, this.#id);
    }
  }
  retry(options) {
    const delay = delayOf(options);
    if (this.#state.acked.indexOf(this.#id) === -1 && this.#state.retried.indexOf(this.#id) === -1) {
      ArrayPrototypePush(this.#state.retried, this.#id);
      ArrayPrototypePush(this.#state.retryDelays, delay || 0);
    }
  }
}

class MessageBatch {
  #queue; #messages; #state;
  constructor(token, queue, messages, state) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#queue = queue;
    this.#messages = ObjectFreeze(messages);
    this.#state = state;
  }
  get queue() { return this.#queue; }
  get messages() { return this.#messages; }
  ackAll() { if (!this.#state.retryAll) this.#state.ackAll = true; }
  retryAll(options) {
    const delay = delayOf(options);
    if (!this.#state.ackAll && !this.#state.retryAll) {
      this.#state.retryAll = true;
      this.#state.retryAllDelay = delay || 0;
    }
  }
}

internal.hooks.makeQueueBatch = (queueName, items, state) => {
  state.acked = [];
  state.retried = [];
  state.retryDelays = [];
  state.ackAll = false;
  state.retryAll = false;
  state.retryAllDelay = 0;
  const messages = [];
  for (const item of items) ArrayPrototypePush(messages, new Message(kToken, item, state));
  return new MessageBatch(kToken, queueName, messages, state);
};

exports.WorkerQueue = WorkerQueue;
exports.Message = Message;
exports.MessageBatch = MessageBatch;
exports.makeQueue = (desc) => ObjectFreeze(new WorkerQueue(kToken, desc.fetcher, desc.target, desc.name));
