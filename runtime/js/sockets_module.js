"use strict";
// The built-in module "cloudflare:sockets": connect() opens a TCP connection (plain, TLS, or plain
// with a later startTls()) through the worker's globalOutbound network service, so the network's
// allow/deny lists apply to sockets as they do to fetch(). A Socket exposes the connection as a
// ReadableStream of Uint8Array chunks and a WritableStream accepting BufferSource chunks and
// strings (UTF-8).

const {
  ArrayBuffer: ArrayBufferCtor, ArrayBufferIsView, ObjectCreate, ObjectFreeze, PromisePrototypeThen, 
  PromiseWithResolvers, StringPrototypeLastIndexOf, StringPrototypeSlice,
  StringPrototypeStartsWith, String: StringCtor, Number: NumberCtor, NumberIsInteger,
  TypeError: TypeErrorCtor, Uint8Array: Uint8ArrayCtor, Error: ErrorCtor,
} = internal.primordials;
const ops = internal.ops;
const streams = internal.require("streams");
const encoding = internal.require("encoding");

const kSecure = ObjectCreate(null);
kSecure.off = 0;
kSecure.on = 1;
kSecure.starttls = 2;

function parseAddress(address) {
  if (typeof address === "string") {
    const colon = StringPrototypeLastIndexOf(address, ":");
    if (colon <= 0) throw new TypeErrorCtor(`connect(): address "${address}" must be "host:port"`);
    let hostname = StringPrototypeSlice(address, 0, colon);
    if (StringPrototypeStartsWith(hostname, "[")) hostname = StringPrototypeSlice(hostname, 1, -1);
    return { hostname, port: NumberCtor(StringPrototypeSlice(address, colon + 1)) };
  }
  if (address === null || typeof address !== "object") {
    throw new TypeErrorCtor("connect(): the address must be \"host:port\" or { hostname, port }");
  }
  return { hostname: StringCtor(address.hostname), port: NumberCtor(address.port) };
}

function toBytes(chunk) {
  if (typeof chunk === "string") return encoding.utf8Encode(chunk);
  if (chunk instanceof ArrayBufferCtor) return new Uint8ArrayCtor(chunk);
  if (ArrayBufferIsView(chunk)) return new Uint8ArrayCtor(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeErrorCtor("Socket writable: chunks must be strings, ArrayBuffers or ArrayBuffer views");
}

function socketError(e) {
  const err = new ErrorCtor(e && e.message ? e.message : StringCtor(e));
  err.name = "Error";
  return err;
}

class Socket {
  #handle;
  #readable;
  #writable;
  #opened;
  #closed;
  #secureTransport;
  #allowHalfOpen;
  #hostname;
  #error;  // why the socket failed, reported by operations it cut short
  #done = false;
  #readEnded = false;
  #writeEnded = false;
  #upgraded = false;

  constructor(pair, secureTransport, allowHalfOpen, hostname) {
    this.#handle = pair[0];
    this.#secureTransport = secureTransport;
    this.#allowHalfOpen = allowHalfOpen;
    this.#hostname = hostname;
    this.#closed = PromiseWithResolvers();
    this.#opened = PromisePrototypeThen(pair[1], undefined, (e) => {
      const err = socketError(e);
      this.#finish(err);
      throw err;
    });
    // Nobody may look at these; failures still reach `closed`.
    PromisePrototypeThen(this.#opened, undefined, () => {});
    PromisePrototypeThen(this.#closed.promise, undefined, () => {});
    const handle = this.#handle;
    this.#readable = new streams.ReadableStream({
      pull: async (controller) => {
        let chunk;
        try {
          chunk = await ops.tcpRead(handle);
        } catch (e) {
          if (this.#done && this.#error === undefined) { controller.close(); return; }
          const err = this.#error ?? socketError(e);
          controller.error(err);
          this.#finish(err);
          return;
        }
        if (chunk === null) {
          controller.close();
          this.#readEnded = true;
          if (!this.#allowHalfOpen && !this.#writeEnded) {
            this.#writeEnded = true;
            PromisePrototypeThen(ops.tcpEnd(handle), undefined, () => {});
          }
          if (this.#writeEnded) this.#finish();
        } else {
          controller.enqueue(chunk);
        }
      },
      cancel: () => {
        this.#readEnded = true;
        if (this.#writeEnded) this.#finish();
      },
    }, { highWaterMark: 0 });
    this.#writable = new streams.WritableStream({
      write: (chunk) => PromisePrototypeThen(ops.tcpWrite(handle, toBytes(chunk)), undefined, (e) => {
        const err = this.#error ?? socketError(e);
        this.#finish(err);
        throw err;
      }),
      close: () => {
        this.#writeEnded = true;
        return PromisePrototypeThen(ops.tcpEnd(handle), () => {
          if (this.#readEnded) this.#finish();
        }, (e) => { throw this.#error ?? socketError(e); });
      },
      abort: () => {
        this.#writeEnded = true;
        this.#finish();
      },
    });
  }

  get readable() { return this.#readable; }
  get writable() { return this.#writable; }
  get opened() { return this.#opened; }
  get closed() { return this.#closed.promise; }
  get upgraded() { return this.#upgraded; }
  get secureTransport() { return this.#secureTransport; }

  close() {
    this.#finish();
    return this.#closed.promise;
  }

  startTls(options) {
    if (this.#secureTransport !== "starttls") {
      throw new TypeErrorCtor('startTls() needs a socket opened with secureTransport: "starttls"');
    }
    if (this.#upgraded) throw new TypeErrorCtor("startTls() can only be called once");
    if (this.#done) throw new TypeErrorCtor("startTls() on a closed socket");
    this.#upgraded = true;
    const hostname = options && options.expectedServerHostname !== undefined
      ? StringCtor(options.expectedServerHostname) : this.#hostname;
    const pair = ops.tcpStartTls(this.#handle, hostname);
    // The plain socket is over; its streams end.
    this.#done = true;
    this.#closed.resolve(undefined);
    return new Socket(pair, "on", this.#allowHalfOpen, hostname);
  }

  #finish(error) {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    ops.tcpClose(this.#handle);
    if (error) this.#closed.reject(error); else this.#closed.resolve(undefined);
  }
}

function connect(address, options) {
  const { hostname, port } = parseAddress(address);
  if (!hostname) throw new TypeErrorCtor("connect(): the address has no host name");
  if (!NumberIsInteger(port) || port < 1 || port > 65535) {
    throw new TypeErrorCtor(`connect(): invalid port ${port}`);
  }
  const secureTransport = options && options.secureTransport !== undefined ? StringCtor(options.secureTransport) : "off";
  const mode = kSecure[secureTransport];
  if (mode === undefined) {
    throw new TypeErrorCtor(`connect(): secureTransport must be "off", "on" or "starttls", not "${secureTransport}"`);
  }
  const allowHalfOpen = !!(options && options.allowHalfOpen);
  return new Socket(ops.tcpConnect(hostname, port, mode), secureTransport, allowHalfOpen, hostname);
}

const moduleExports = ObjectCreate(null);
moduleExports.connect = connect;
moduleExports.default = ObjectFreeze({ connect });
ObjectFreeze(moduleExports);

const builtinModules = internal.hooks.builtinModules || (internal.hooks.builtinModules = ObjectCreate(null));
builtinModules["cloudflare:sockets"] = moduleExports;

// A connection accepted on a `tcp` socket of the config, for the worker's connect() handler.
internal.hooks.acceptedSocket = (pair) => new Socket(pair, "off", false, "");
