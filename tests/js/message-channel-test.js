import { ok, equal, deepEqual, throws } from "assert.js";

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves with the next `count` message events the port receives through onmessage.
function collect(port, count) {
  return new Promise((resolve) => {
    const events = [];
    port.onmessage = (event) => {
      events.push(event);
      if (events.length === count) resolve(events);
    };
  });
}

export const globals = {
  async test() {
    equal(typeof MessageChannel, "function");
    equal(typeof MessagePort, "function");
    equal(typeof MessageEvent, "function");
    throws(() => new MessagePort(), TypeError);
    throws(() => MessageChannel(), TypeError);
    const { port1, port2 } = new MessageChannel();
    ok(port1 instanceof MessagePort && port2 instanceof MessagePort);
    ok(port1 instanceof EventTarget);
    ok(port1 !== port2);
    for (const name of ["postMessage", "start", "close"]) equal(typeof MessagePort.prototype[name], "function");
    equal(port1.onmessage, null);
  },
};

export const deliversClones = {
  async test() {
    const { port1, port2 } = new MessageChannel();
    const received = collect(port2, 1);
    const message = { text: "hi", list: [1, 2, 3], when: new Date(0), map: new Map([["k", 1]]), bytes: new Uint8Array([1, 2]) };
    port1.postMessage(message);
    message.text = "changed after posting";
    const [event] = await received;
    ok(event instanceof MessageEvent, "a MessageEvent");
    equal(event.type, "message");
    equal(event.target, port2);
    ok(event.data !== message, "the data is a copy");
    equal(event.data.text, "hi");
    deepEqual(event.data.list, [1, 2, 3]);
    ok(event.data.when instanceof Date);
    equal(event.data.when.getTime(), 0);
    equal(event.data.map.get("k"), 1);
    ok(event.data.bytes instanceof Uint8Array);
    deepEqual(Array.from(event.data.bytes), [1, 2]);
    equal(event.ports.length, 0);
    equal(event.lastEventId, "");
  },
};

export const bothDirectionsInOrder = {
  async test() {
    const { port1, port2 } = new MessageChannel();
    const at2 = collect(port2, 3);
    const at1 = collect(port1, 2);
    port1.postMessage(1);
    port2.postMessage("a");
    port1.postMessage(2);
    port1.postMessage(3);
    port2.postMessage("b");
    deepEqual((await at2).map((e) => e.data), [1, 2, 3]);
    deepEqual((await at1).map((e) => e.data), ["a", "b"]);
  },
};

export const deliveryIsAsynchronous = {
  async test() {
    const { port1, port2 } = new MessageChannel();
    const order = [];
    port2.onmessage = (e) => order.push(e.data);
    port1.postMessage("x");
    order.push("after postMessage");
    await tick();
    deepEqual(order, ["after postMessage", "x"]);
  },
};

export const addEventListenerWithStart = {
  async test() {
    const { port1, port2 } = new MessageChannel();
    const got = [];
    port2.addEventListener("message", (e) => got.push(e.data));
    port2.start();
    port2.start();
    port1.postMessage(undefined);
    port1.postMessage(null);
    port1.postMessage(42);
    await tick();
    deepEqual(got, [undefined, null, 42]);
  },
};

export const closeStopsDelivery = {
  async test() {
    const { port1, port2 } = new MessageChannel();
    const got = [];
    port2.onmessage = (e) => got.push(e.data);
    port1.postMessage("before close");
    await tick();
    port1.close();
    // Posting on or to a closed, disentangled port is silently dropped.
    port1.postMessage("from closed port");
    port2.postMessage("to closed port");
    await tick();
    deepEqual(got, ["before close"]);
  },
};

export const senderClosingAfterPosting = {
  async test() {
    const { port1, port2 } = new MessageChannel();
    const received = collect(port1, 1);
    port2.postMessage("sent");
    port2.close();
    equal((await received)[0].data, "sent");
  },
};

export const uncloneable = {
  async test() {
    const { port1, port2 } = new MessageChannel();
    const got = [];
    port2.onmessage = (e) => got.push(e.data);
    const err = throws(() => port1.postMessage(() => 1));
    ok(err instanceof DOMException, "a DOMException");
    equal(err.name, "DataCloneError");
    throws(() => port1.postMessage(Symbol("s")), "DataCloneError");
    await tick();
    deepEqual(got, []);
  },
};

export const handlerAndListenersBothReceive = {
  async test() {
    const { port1, port2 } = new MessageChannel();
    const got = [];
    port2.addEventListener("message", (e) => got.push(["listener", e.data]));
    port2.onmessage = (e) => { got.push(["handler", e.data]); };
    port1.postMessage(1);
    port1.postMessage(2);
    await tick();
    deepEqual(got, [["listener", 1], ["handler", 1], ["listener", 2], ["handler", 2]]);
  },
};

export const messageEventConstructor = {
  async test() {
    const e = new MessageEvent("message", { data: { a: 1 }, origin: "https://example.com", lastEventId: "7" });
    ok(e instanceof Event);
    equal(e.type, "message");
    deepEqual(e.data, { a: 1 });
    equal(e.origin, "https://example.com");
    equal(e.lastEventId, "7");
    const plain = new MessageEvent("other");
    equal(plain.data, null);
    throws(() => new MessageEvent(), TypeError);
  },
};
