import { ok, equal, deepEqual, rejects } from "assert.js";
import { RpcTarget, RpcStub } from "cloudflare:workers";

async function rejectsWith(promise, type, message) {
  try {
    await promise;
  } catch (err) {
    equal(err.constructor.name, type.name, `error type of: ${err}`);
    equal(err.message, message);
    return;
  }
  throw new Error(`expected a rejection: ${message}`);
}

export const entrypointCalls = {
  async test(ctrl, env) {
    equal(await env.SVC.add(1, 2), 3);
    deepEqual(await env.SVC.echo({ a: [1, "x", new Map([[1, 2]])], d: new Date(5) }), { a: [1, "x", new Map([[1, 2]])], d: new Date(5) });
    // A new instance per call.
    equal(await env.SVC.callsOnThisInstance(), 1);
    equal(await env.SVC.callsOnThisInstance(), 1);
    equal(await env.SVC.envLabel(), "service-env");
    equal(await env.SVC.hasWaitUntil(), "function");
    // Getters are readable by awaiting the property.
    equal(await env.SVC.greeting, "hi from service-env");
    equal(await env.NAMED.whoami(), "named entrypoint");
    // fetch() stays HTTP.
    equal(await (await env.SVC.fetch("http://svc/path")).text(), "http /path");
    equal(env.SVC.then, undefined);
    equal(typeof env.SVC.fetch, "function");
    // A service binding can be sent over RPC: fetch() and RPC both work on the other side.
    equal(await env.SVC.useBinding(env.SVC), "http /p | 3 | object");
  },
};

export const entrypointErrors = {
  async test(ctrl, env) {
    await rejectsWith(env.SVC.fail(), RangeError, "service says no");
    await rejectsWith(env.SVC.missing(), TypeError, 'The RPC receiver does not implement the method "missing".');
    await rejectsWith(env.NAMED.add(1, 2), TypeError, 'The RPC receiver does not implement the method "add".');
    await rejectsWith(env.SVC.notAFunction(), TypeError, 'The RPC receiver does not implement the method "notAFunction".');
    await rejectsWith(env.SVC.notAFunction, TypeError, 'The RPC receiver does not implement the method "notAFunction".');
    await rejectsWith(env.SVC.missingProperty, TypeError, 'The RPC receiver does not implement the method "missingProperty".');
    await rejectsWith(env.SVC.echo(Symbol("x")), DOMException, "Symbol(x) could not be cloned.");
  },
};

export const plainObjectDefault = {
  async test(ctrl, env) {
    equal(await (await env.PLAIN.fetch("http://plain/")).text(), "plain fetch");
    // A plain object's methods are handlers: called as method(arg, env, ctx), with one argument.
    equal(await env.PLAIN.hello("you"), "hello you plain-env function");
    await rejectsWith(env.PLAIN.hello(), TypeError, "Attempted to call RPC function \"hello\" with the wrong number of arguments. When calling a top-level handler function that is not declared as part of a class, you must always send exactly one argument. In order to support variable numbers of arguments, the server must use class-based syntax (extending WorkerEntrypoint) instead.");
    await rejectsWith(env.PLAIN.hello(1, 2), TypeError, "Attempted to call RPC function \"hello\" with the wrong number of arguments. When calling a top-level handler function that is not declared as part of a class, you must always send exactly one argument. In order to support variable numbers of arguments, the server must use class-based syntax (extending WorkerEntrypoint) instead.");
    await rejectsWith(env.PLAIN.missing(1), TypeError, 'The RPC receiver does not implement the method "missing".');
    await rejectsWith(env.PLAIN.fetch2, TypeError, 'The RPC receiver does not implement the method "fetch2".');
  },
};

class Local extends RpcTarget {
  name() { return "local"; }
  twice(x) { return x * 2; }
}

export const callbacks = {
  async test(ctrl, env) {
    equal(await env.SVC.callBack((x) => x * 2, 21), 42);
    deepEqual(await env.SVC.callTwice(async (x) => `#${x}`), ["#1", "#2"]);
    equal(await env.SVC.useTarget(new Local()), "local:8");
    // A stub sent back to where it came from still calls the original.
    const back = await env.SVC.echo((x) => `back ${x}`);
    equal(await back(1), "back 1");
    const add10 = await env.SVC.adder(10);
    equal(await add10(5), 15);
    // A callback that throws rejects the remote call with the same error.
    await rejectsWith(env.SVC.callBack(() => { throw new RangeError("callback failed"); }, 0), RangeError, "callback failed");
  },
};

export const rpcTargets = {
  async test(ctrl, env) {
    const counter = await env.SVC.makeCounter(5);
    equal(await counter.increment(), 6);
    equal(await counter.increment(4), 10);
    equal(await counter.value, 10);
    // Instance fields are not reachable, only what the class defines.
    await rejectsWith(counter.secret, TypeError, 'The RPC receiver does not implement the method "secret".');
    await rejectsWith(counter.secret(), TypeError, 'The RPC receiver does not implement the method "secret".');
    const obj = await env.SVC.makeObject();
    equal(obj.label, "obj");
    equal(await obj.counter.increment(), 101);
    equal(await obj.fn(), "from fn");
    const nested = await counter.nested();
    equal(nested.label, "nested");
    equal(await nested.counter.value, 10);
  },
};

export const pipelining = {
  async test(ctrl, env) {
    equal(await env.SVC.makeCounter(1).increment(2), 3);
    equal(await env.SVC.makeCounter(7).value, 7);
    equal(await env.SVC.makeObject().counter.increment(5), 105);
    equal(await env.SVC.makeObject().label, "obj");
    equal(await env.BOX.getByName("pipe").makeCounter(3).increment(), 4);
    // A call's result and its properties are callable: calling one calls what it resolves to.
    const pending = env.SVC.makeCounter(1);
    equal(typeof pending, "function");
    equal(typeof pending.increment, "function");
    equal(await pending.increment(), 2);
    equal(await env.SVC.adder(10)(5), 15);
  },
};

export const disposal = {
  async test(ctrl, env) {
    equal(typeof Symbol.dispose, "symbol");
    const counter = await env.SVC.makeCounter(0);
    equal(typeof counter[Symbol.dispose], "function");
    equal(await counter.increment(), 1);
    const copy = counter.dup();
    counter[Symbol.dispose]();
    await rejectsWith(counter.increment(), Error, "RPC stub used after being disposed.");
    equal(await copy.increment(), 2);
    copy[Symbol.dispose]();
    await rejectsWith(copy.increment(), Error, "RPC stub used after being disposed.");
    // JSON leaves stubs out; a service binding is an empty object.
    equal(JSON.stringify({ s: await env.SVC.makeCounter(0), b: env.SVC }), '{"b":{}}');
    const obj = await env.SVC.makeObject();
    equal(typeof obj[Symbol.dispose], "function");
    obj[Symbol.dispose]();
    await rejectsWith(obj.counter.increment(), Error, "RPC stub used after being disposed.");
  },
};

export const streamsAndResponses = {
  async test(ctrl, env) {
    const response = await env.SVC.makeResponse();
    ok(response instanceof Response);
    equal(response.status, 201);
    equal(response.headers.get("x-rpc"), "yes");
    equal(await response.text(), "response body");
    const stream = await env.SVC.makeStream();
    ok(stream instanceof ReadableStream);
    equal(await new Response(stream).text(), "streamed bytes");
    const body = new Response("uploaded text").body;
    equal(await env.SVC.readStream(body), "uploaded text");
    const request = new Request("http://x/y", { method: "POST", headers: { "x-h": "v" }, body: "req body" });
    equal(await env.SVC.readRequest(request), "POST http://x/y v req body");
    equal(await env.SVC.readRequest(new Request("http://x/z", { headers: { "x-h": "w" } })), "GET http://x/z w ");
    const empty = await env.SVC.echo(new Response(null, { status: 204 }));
    equal(empty.status, 204);
    equal(empty.body, null);
    equal(await env.SVC.headersBack(new Headers({ "x-in": "head" })), "head!");
    const { readable, writable } = new TransformStream();
    const written = new Response(readable).text();
    equal(await env.SVC.writeTo(writable), "wrote");
    equal(await written, "written remotely");
  },
};

export const durableObjectCallbacks = {
  async test(ctrl, env) {
    const box = env.BOX.getByName("callbacks");
    equal(await box.bump(), 1);
    equal(await box.withCallback((n) => `n=${n}`), "box got n=1");
    const counter = await box.makeCounter(10);
    equal(await counter.increment(), 11);
    await rejectsWith(box.missing(), TypeError, 'The RPC receiver does not implement the method "missing".');
  },
};

export const durableObjectStubAsArgument = {
  async test(ctrl, env) {
    // A Durable Object stub sent over RPC reaches the same object from the other side.
    const box = env.BOX.getByName("passed");
    equal(await box.bump(), 1);
    equal(await env.SVC.bumpBox(box), 2);
    equal(await env.SVC.bumpBox(box), 3);
    equal(await box.bump(), 4);
    equal(await env.SVC.boxResponse(box, "/inside"), "box http /inside");
  },
};

class Named2 extends RpcTarget {
  #label;
  constructor(label) { super(); this.#label = label; }
  label() { return this.#label; }
}

export const explicitStubs = {
  async test(ctrl, env) {
    const stub = new RpcStub({ hi() { return "hi from a wrapped object"; } });
    equal(typeof stub, "function");
    equal(await stub.hi(), "hi from a wrapped object");
    equal(await env.SVC.callStub(stub), "hi from a wrapped object");
    const fn = new RpcStub((x) => x + 1);
    equal(await fn(1), 2);
    equal(await env.SVC.callBack(fn, 3), 4);
  },
};

export const targetRelease = {
  async test(ctrl, env) {
    // When the last stub on a local RpcTarget is released, its Symbol.dispose runs.
    const log = [];
    class Target extends RpcTarget {
      a() { log.push("a"); return 1; }
      [Symbol.dispose]() { log.push("disposed"); }
    }
    equal(await env.SVC.callA(new Target()), 1);
    for (let i = 0; i < 50 && log.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    deepEqual(log, ["a", "disposed"]);
  },
};

export const argumentStubLifetime = {
  async test(ctrl, env) {
    // A stub received as an argument is disposed when the call returns, unless it was dup()ed.
    equal(await env.SVC.keepStub(new Named2("kept")), "kept");
    await rejectsWith(env.SVC.useKeptStub(), Error, "RPC stub used after being disposed.");
  },
};
