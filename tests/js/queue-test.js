// Queue producers over workerd's queue protocol, against queue-receiver.js.
import { equal, deepEqual, rejects } from "assert.js";

async function received(env) {
  return (await env.RECEIVER.fetch("http://receiver/received")).json();
}

export const send = {
  async test(ctrl, env) {
    await env.RECEIVER.fetch("http://receiver/reset");
    await env.QUEUE.send("plain text", { contentType: "text" });
    await env.QUEUE.send({ a: [1, 2] }, { contentType: "json" });
    await env.QUEUE.send(new Uint8Array([1, 2, 3]), { contentType: "bytes" });
    await env.QUEUE.send({ structured: true });
    const got = await received(env);
    deepEqual(got.map((m) => [m.path, m.format, m.text]), [
      ["/message", "text", "plain text"],
      ["/message", "json", "{\"a\":[1,2]}"],
      ["/message", "bytes", "\u0001\u0002\u0003"],
      ["/message", "json", "{\"structured\":true}"],  // JSON by default from 2024-03-18
    ]);
  },
};

export const sendBatch = {
  async test(ctrl, env) {
    await env.RECEIVER.fetch("http://receiver/reset");
    await env.QUEUE.sendBatch([
      { body: "one", contentType: "text" },
      { body: { two: 2 }, contentType: "json" },
    ]);
    const [batch] = await received(env);
    equal(batch.path, "/batch");
    equal(batch.count, "2");
    deepEqual(batch.messages.map((m) => [atob(m.body), m.contentType]), [["one", "text"], ["{\"two\":2}", "json"]]);
  },
};

export const errors = {
  async test(ctrl, env) {
    equal((await rejects(env.QUEUE.send(undefined), TypeError)).message, "Message body cannot be undefined");
    equal((await rejects(env.QUEUE.send(1, { contentType: "text" }), TypeError)).message,
          "Content Type \"text\" requires a value of type string, but received: number");
    equal((await rejects(env.QUEUE.send("x", { contentType: "xml" }), TypeError)).message,
          "Unsupported queue message content type: xml");
    await rejects(env.QUEUE.sendBatch([]), TypeError);
    equal((await rejects(env.FAILING.send("x", { contentType: "text" }), Error)).message, "Queue send failed: Queue Full");
  },
};
