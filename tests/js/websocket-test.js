import { ok, equal, deepEqual, throws } from "assert.js";

// Resolves with the next event of `type` on `target`.
function next(target, type) {
  return new Promise((resolve) => target.addEventListener(type, resolve, { once: true }));
}

function collect(ws, count) {
  return new Promise((resolve) => {
    const seen = [];
    ws.addEventListener("message", function listener(e) {
      seen.push(e.data);
      if (seen.length === count) {
        ws.removeEventListener("message", listener);
        resolve(seen);
      }
    });
  });
}

export const pairBasics = {
  test() {
    const pair = new WebSocketPair();
    const [a, b] = Object.values(pair);
    ok(a instanceof WebSocket && b instanceof WebSocket && a instanceof EventTarget);
    equal(Object.keys(pair).join(), "0,1");
    equal(a.readyState, WebSocket.OPEN);
    equal(WebSocket.CONNECTING + WebSocket.OPEN + WebSocket.CLOSING + WebSocket.CLOSED, 6);
    equal(a.CLOSED, 3);
    throws(() => a.send("x"), TypeError);
    a.accept();
    a.accept();  // a second accept() changes nothing
    throws(() => a.close(1005), "InvalidAccessError");
    throws(() => a.close(2999), "InvalidAccessError");
    throws(() => a.close(1000, "x".repeat(124)), "SyntaxError");
    throws(() => a.send({}), TypeError);
    equal(typeof CloseEvent, "function");
    const ce = new CloseEvent("close", { code: 4000, reason: "r", wasClean: true });
    deepEqual([ce.code, ce.reason, ce.wasClean], [4000, "r", true]);
  },
};

export const messagesInOrder = {
  async test() {
    const [a, b] = Object.values(new WebSocketPair());
    a.accept();
    b.accept();
    const got = collect(b, 4);
    a.send("first");
    const bytes = new Uint8Array([1, 2, 3]);
    a.send(bytes);
    bytes[0] = 9;  // the message was copied when sent
    a.send(new Uint8Array([7, 8, 9, 10]).subarray(1, 3));
    a.send("last");
    const [first, second, third, last] = await got;
    equal(first, "first");
    ok(second instanceof ArrayBuffer);
    deepEqual([...new Uint8Array(second)], [1, 2, 3]);
    deepEqual([...new Uint8Array(third)], [8, 9]);
    equal(last, "last");
  },
};

export const closeHandshake = {
  async test() {
    const [a, b] = Object.values(new WebSocketPair());
    a.accept();
    b.accept();
    const bClosed = next(b, "close");
    const aClosed = next(a, "close");
    a.close(4000, "done");
    equal(a.readyState, WebSocket.CLOSING);
    throws(() => a.send("late"), TypeError);
    const eb = await bClosed;
    deepEqual([eb.code, eb.reason, eb.wasClean], [4000, "done", true]);
    // The receiving side answers the Close for the application.
    const ea = await aClosed;
    deepEqual([ea.code, ea.reason], [4000, ""]);  // the echoed Close keeps the code only
    a.close();  // closing again does nothing
  },
};

export const responseWithWebSocket = {
  test() {
    const [client] = Object.values(new WebSocketPair());
    const r = new Response(null, { status: 101, webSocket: client });
    equal(r.status, 101);
    equal(r.webSocket, client);
    equal(new Response("x").webSocket, null);
    throws(() => new Response(null, { status: 101 }), RangeError);
    throws(() => new Response(null, { status: 200, webSocket: client }), RangeError);
    throws(() => new Response(null, { status: 101, webSocket: {} }), TypeError);
  },
};

export default {
  async fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (e) => {
      if (e.data === "bye") server.close(4321, "see you");
      else server.send(typeof e.data === "string" ? `echo ${e.data}` : e.data);
    });
    server.send(`hello ${request.headers.get("upgrade")}`);
    return new Response(null, { status: 101, webSocket: client, headers: { "X-Test": "1" } });
  },
};

export const overServiceBinding = {
  async test(ctrl, env) {
    const response = await env.SELF.fetch("http://self/", { headers: { Upgrade: "websocket" } });
    equal(response.status, 101);
    equal(response.headers.get("x-test"), "1");
    const ws = response.webSocket;
    ok(ws instanceof WebSocket);
    const got = collect(ws, 3);
    ws.accept();
    ws.send("one");
    ws.send(new Uint8Array([5, 6]));
    const [hello, one, binary] = await got;
    equal(hello, "hello websocket");
    equal(one, "echo one");
    deepEqual([...new Uint8Array(binary)], [5, 6]);
    const closed = next(ws, "close");
    ws.send("bye");
    const e = await closed;
    deepEqual([e.code, e.reason, e.wasClean], [4321, "see you", true]);
  },
};
