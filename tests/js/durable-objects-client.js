import { equal, ok } from "assert.js";

// A namespace of another worker: its objects run in that worker's isolate, with its env.
export const otherWorker = {
  async test(ctrl, env) {
    const stub = env.COUNTER.getByName("from-client");
    equal(await stub.increment(5), 5);
    equal(await stub.envText(), "hello");
    const r = await stub.fetch("http://do/?by=2");
    ok((await r.text()).startsWith("7 "));
    equal(env.COUNTER.idFromName("x").toString().length, 64);
  },
};
