// The receiving side of rpc-test.js: entrypoints, an RpcTarget and a Durable Object.
import { WorkerEntrypoint, RpcTarget, DurableObject } from "cloudflare:workers";

class Counter extends RpcTarget {
  #count;
  constructor(start) {
    super();
    this.#count = start;
    this.secret = "instance field";
  }
  increment(by = 1) { this.#count += by; return this.#count; }
  get value() { return this.#count; }
  nested() { return { label: "nested", counter: this }; }
}

let instances = 0;
let released = [];
let kept = null;

class Tracked extends RpcTarget {
  #label;
  constructor(label) { super(); this.#label = label; }
  label() { return this.#label; }
  [Symbol.dispose]() { released.push(this.#label); }
}

export default class Service extends WorkerEntrypoint {
  constructor(ctx, env) {
    super(ctx, env);
    this.calls = 0;
    instances++;
  }
  async fetch(request) { return new Response(`http ${new URL(request.url).pathname}`); }
  add(a, b) { this.calls++; return a + b; }
  callsOnThisInstance() { this.calls++; return this.calls; }
  instanceCount() { return instances; }
  get greeting() { return `hi from ${this.env.LABEL}`; }
  envLabel() { return this.env.LABEL; }
  hasWaitUntil() { return typeof this.ctx.waitUntil; }
  echo(value) { return value; }
  fail() { throw new RangeError("service says no"); }
  notAFunction = 42;
  async callBack(fn, value) { return await fn(value); }
  async callTwice(fn) { return [await fn(1), await fn(2)]; }
  async useTarget(target) { return `${await target.name()}:${await target.twice(4)}`; }
  makeCounter(start) { return new Counter(start); }
  makeTracked(label) { return new Tracked(label); }
  releasedTargets() { return released; }
  async keepStub(stub) { kept = stub; return await stub.label(); }
  async useKeptStub() { return await kept.label(); }
  adder(base) { return (x) => base + x; }
  makeObject() { return { counter: new Counter(100), label: "obj", fn: () => "from fn" }; }
  makeResponse() { return new Response("response body", { status: 201, headers: { "x-rpc": "yes" } }); }
  makeStream() {
    const encoder = new TextEncoder();
    return new ReadableStream({
      start(c) { c.enqueue(encoder.encode("streamed ")); c.enqueue(encoder.encode("bytes")); c.close(); },
    });
  }
  async writeTo(writable) {
    const writer = writable.getWriter();
    await writer.write(new TextEncoder().encode("written "));
    await writer.write(new TextEncoder().encode("remotely"));
    await writer.close();
    return "wrote";
  }
  async useBinding(binding) {
    const response = await binding.fetch("http://x/p", { method: "POST", body: "z" });
    return `${await response.text()} | ${await binding.add(1, 2)} | ${typeof binding}`;
  }
  async callA(target) { return await target.a(); }
  async callStub(stub) { return await stub.hi(); }
  async bumpBox(box) { return await box.bump(); }
  async boxResponse(box, path) { return await (await box.fetch("http://box" + path)).text(); }
  async readStream(stream) { return await new Response(stream).text(); }
  async readRequest(request) { return `${request.method} ${request.url} ${request.headers.get("x-h")} ${await request.text()}`; }
  headersBack(headers) { return headers.get("x-in") + "!"; }
}

export class Named extends WorkerEntrypoint {
  whoami() { return "named entrypoint"; }
}

export class Box extends DurableObject {
  #count = 0;
  bump() { return ++this.#count; }
  async withCallback(fn) { return `box got ${await fn(this.#count)}`; }
  makeCounter(start) { return new Counter(start); }
  async fetch(request) { return new Response(`box http ${new URL(request.url).pathname}`); }
}
