import { ok, equal, deepEqual, rejects } from "assert.js";

export const readWithFallback = {
  async test(ctrl, env) {
    const cache = env.CACHE;
    equal(await cache.read("absent"), undefined);
    let calls = 0;
    const value = await cache.read("k", async (key) => { calls++; return { value: { key, list: [1, 2] } }; });
    deepEqual(value, { key: "k", list: [1, 2] });
    const again = await cache.read("k", () => { calls++; return { value: "other" }; });
    deepEqual(again, { key: "k", list: [1, 2] });
    equal(calls, 1);
    // Readers get copies.
    again.list.push(3);
    deepEqual((await cache.read("k")).list, [1, 2]);
  },
};

export const singleFlight = {
  async test(ctrl, env) {
    const cache = env.CACHE;
    let calls = 0;
    let release;
    const gate = new Promise((resolve) => { release = resolve; });
    const fallback = async () => { calls++; await gate; return { value: "shared" }; };
    const readers = [cache.read("sf", fallback), cache.read("sf", fallback), cache.read("sf", fallback)];
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    deepEqual(await Promise.all(readers), ["shared", "shared", "shared"]);
    equal(calls, 1);
  },
};

export const failingFallback = {
  async test(ctrl, env) {
    const cache = env.CACHE;
    let calls = 0;
    const first = cache.read("fail", async () => { calls++; await null; throw new Error("boom"); });
    const second = cache.read("fail", async () => { calls++; return { value: "second" }; });
    await rejects(first, Error);
    equal(await second, "second");
    equal(calls, 2);
  },
};

export const expiration = {
  async test(ctrl, env) {
    const cache = env.CACHE;
    const expiration = Date.now() + 50;
    await cache.read("exp", () => ({ value: 1, expiration }));
    equal(await cache.read("exp"), 1);
    while (Date.now() <= expiration + 5) await new Promise((resolve) => setTimeout(resolve, 20));
    equal(await cache.read("exp"), undefined);
    equal(await cache.read("exp", () => ({ value: 2 })), 2);
    equal(await cache.read("exp"), 2);
  },
};

export const limits = {
  async test(ctrl, env) {
    const cache = env.SMALL;
    // maxValueSize: a big value is returned but not kept.
    equal((await cache.read("big", () => ({ value: "x".repeat(200) }))).length, 200);
    equal(await cache.read("big"), undefined);
    // maxKeys = 3: the least recently used key goes.
    for (const k of ["a", "b", "c"]) await cache.read(k, () => ({ value: k }));
    equal(await cache.read("a"), "a");   // a is now the most recently used
    await cache.read("d", () => ({ value: "d" }));
    equal(await cache.read("b"), undefined);
    equal(await cache.read("a"), "a");
    equal(await cache.read("d"), "d");
  },
};

export const sharedById = {
  async test(ctrl, env) {
    await env.CACHE.read("shared-key", () => ({ value: "from test worker" }));
    equal(await env.OTHER.fetch("http://other/shared-key").then((r) => r.text()), "from test worker");
  },
};

export const badArguments = {
  async test(ctrl, env) {
    await rejects(env.CACHE.read(42), TypeError);
    await rejects(env.CACHE.read("k2", () => 5), TypeError);
  },
};
