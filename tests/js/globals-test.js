import { ok, equal, deepEqual, throws } from "assert.js";

export const globalScope = {
  async test() {
    equal(self, globalThis);
    equal(navigator.userAgent, "Cloudflare-Workers");
    equal(typeof addEventListener, "function");
    equal(typeof globalThis.dispatchEvent, "function");
    let got = null;
    const fn = (e) => { got = e.detail; };
    addEventListener("custom", fn);
    globalThis.dispatchEvent(new CustomEvent("custom", { detail: 7 }));
    removeEventListener("custom", fn);
    equal(got, 7);
    for (const name of ["URL", "Headers", "Request", "Response", "TextEncoder", "AbortController", "ReadableStream", "crypto", "console"]) {
      // Own property of the global object or of its prototype chain (ServiceWorkerGlobalScope).
      let desc, o = globalThis;
      while (o && !(desc = Object.getOwnPropertyDescriptor(o, name))) o = Object.getPrototypeOf(o);
      ok(desc, name);
      equal(desc.configurable, true, `${name} configurable`);
    }
  },
};

// Global functions are operations of the global scope's interface: enumerable methods of its
// prototype, not constructors, with no prototype of their own.
export const globalOperations = {
  async test() {
    const scope = Object.getPrototypeOf(globalThis);
    for (const name of ["atob", "btoa", "setTimeout", "setInterval", "clearTimeout", "clearInterval",
                        "queueMicrotask", "reportError", "structuredClone", "fetch"]) {
      const fn = globalThis[name];
      equal(typeof fn, "function", name);
      equal(fn.name, name);
      equal(Object.hasOwn(globalThis, name), false, `${name} is not an own property of the global`);
      const desc = Object.getOwnPropertyDescriptor(scope, name);
      ok(desc, `${name} is a property of ServiceWorkerGlobalScope.prototype`);
      ok(desc.writable && desc.enumerable && desc.configurable, `${name}: writable, enumerable, configurable`);
      equal(fn.prototype, undefined, `${name} has no prototype`);
      equal(throws(() => Reflect.construct(fn, [])).constructor, TypeError, `new ${name}() throws`);
    }
    equal(atob(btoa("ok")), "ok");
    equal(structuredClone({ a: [1] }).a[0], 1);
    await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise((resolve) => queueMicrotask(resolve));
    // Assigning on the global shadows the operation; deleting the own property uncovers it.
    const original = globalThis.atob;
    globalThis.atob = () => "mine";
    equal(atob("b2s="), "mine");
    delete globalThis.atob;
    equal(globalThis.atob, original);
  },
};

// Globals whose built-in file Colony evaluates on first use are data properties with the same
// attributes as the others, before and after their first read, and work once read.
export const globalsReadLater = {
  async test() {
    const own = (name) => {
      let desc, o = globalThis;
      while (o && !(desc = Object.getOwnPropertyDescriptor(o, name))) o = Object.getPrototypeOf(o);
      return desc;
    };
    for (const name of ["CryptoKey", "SubtleCrypto", "URLPattern"]) {
      for (const when of ["before", "after"]) {
        const desc = own(name);
        ok(desc, name);
        ok("value" in desc && !("get" in desc), `${name} is a data property ${when} its first read`);
        const like = own("Headers");
        equal(desc.writable, like.writable, `${name} writable as Headers is`);
        equal(desc.enumerable, like.enumerable, `${name} enumerable as Headers is`);
        equal(desc.configurable, like.configurable, `${name} configurable as Headers is`);
        equal(typeof globalThis[name], "function", name);
      }
    }
    ok(crypto.subtle instanceof SubtleCrypto);
    const key = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
    ok(key instanceof CryptoKey);
    ok(new URLPattern({ pathname: "/items/:id" }).test("https://example.com/items/7"));
  },
};

export const cryptoRandom = {
  async test() {
    const a = crypto.getRandomValues(new Uint8Array(32));
    ok(a.some((b) => b !== 0));
    const u32 = new Uint32Array(4);
    equal(crypto.getRandomValues(u32), u32);
    equal(throws(() => crypto.getRandomValues(new Float32Array(2))).name, "TypeMismatchError");
    equal(throws(() => crypto.getRandomValues(new Uint8Array(65537))).name, "QuotaExceededError");
    const id = crypto.randomUUID();
    ok(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id), id);
    ok(id !== crypto.randomUUID());
  },
};

export const consoleMethods = {
  async test() {
    for (const m of ["log", "info", "warn", "error", "debug", "trace", "assert", "time", "timeEnd", "count", "table", "group", "groupEnd", "dir"]) {
      equal(typeof console[m], "function", m);
    }
    console.log("fmt %s %d %i %j", "str", 4.5, 4.5, { a: 1 }, [1, 2], new Map([[1, 2]]));
    console.assert(true, "not printed");
    console.count();
    console.table([{ a: 1 }]);
  },
};
