// Colony's local queue delivery: a queue binding whose service is a worker with a queue()
// handler delivers batches to it (workerd would POST the messages to that worker's fetch()).
import { ok, equal, deepEqual } from "assert.js";

async function deliveries(env, until) {
  for (let i = 0; i < 200; i++) {
    const seen = await (await env.CONSUMER.fetch("http://consumer/seen")).json();
    if (until(seen)) return seen;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return (await env.CONSUMER.fetch("http://consumer/seen")).json();
}

export const batchesAndBodies = {
  async test(ctrl, env) {
    await env.CONSUMER.fetch("http://consumer/reset");
    await env.JOBS.send({ n: 1 });
    await env.JOBS.send("two", { contentType: "text" });
    await env.JOBS.sendBatch([{ body: new Uint8Array([3]), contentType: "bytes" }, { body: [4] }]);
    const seen = await deliveries(env, (s) => s.length >= 4);
    deepEqual(seen.map((m) => m.body), [{ n: 1 }, "two", { 0: 3 }, [4]]);
    equal(seen[0].queue, "JOBS");
    equal(seen[0].attempts, 1);
    ok(seen[0].batchSize >= 1);
    ok(/^[0-9a-f]{32}$/.test(seen[0].id));
    ok(seen[2].isBytes);
  },
};

export const retries = {
  async test(ctrl, env) {
    await env.CONSUMER.fetch("http://consumer/reset");
    await env.JOBS.send({ retryUntil: 2 });    // retry() on attempt 1, acked on 2
    await env.JOBS.send({ throwUntil: 3 });    // the handler throws on attempts 1 and 2
    await env.JOBS.send({ retryUntil: 99 });   // dropped after 4 attempts
    const seen = await deliveries(env, (s) => s.filter((m) => m.body.retryUntil === 99).length >= 4);
    deepEqual(seen.filter((m) => m.body.retryUntil === 2).map((m) => m.attempts), [1, 2]);
    deepEqual(seen.filter((m) => m.body.throwUntil === 3).map((m) => m.attempts), [1, 2, 3]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const final = await (await env.CONSUMER.fetch("http://consumer/seen")).json();
    deepEqual(final.filter((m) => m.body.retryUntil === 99).map((m) => m.attempts), [1, 2, 3, 4]);
  },
};

export const ackAllBeforeThrowing = {
  async test(ctrl, env) {
    await env.CONSUMER.fetch("http://consumer/reset");
    await env.JOBS.send({ ackAllThenThrow: true });
    await deliveries(env, (s) => s.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = await (await env.CONSUMER.fetch("http://consumer/seen")).json();
    deepEqual(seen.map((m) => m.attempts), [1]);
  },
};
