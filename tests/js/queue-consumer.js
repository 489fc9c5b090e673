// A queue consumer for queue-consumer-test: records every delivery.
let seen = [];
export default {
  async queue(batch, env, ctx) {
    for (const message of batch.messages) {
      const body = message.body instanceof Uint8Array ? { ...message.body } : message.body;
      seen.push({ queue: batch.queue, id: message.id, attempts: message.attempts, body,
                  batchSize: batch.messages.length, isBytes: message.body instanceof Uint8Array });
      if (body && body.retryUntil && message.attempts < body.retryUntil) message.retry();
      else if (!(body && body.throwUntil)) message.ack();  // an acked message is never redelivered
    }
    if (batch.messages.some((m) => m.body && m.body.ackAllThenThrow)) {
      batch.ackAll();  // acked explicitly: throwing afterwards retries nothing
      throw new Error("consumer failure after ackAll()");
    }
    for (const message of batch.messages) {
      const body = message.body;
      if (body && body.throwUntil && message.attempts < body.throwUntil) throw new Error("consumer failure on purpose");
    }
  },
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/reset") seen = [];
    return Response.json(seen);
  },
};
