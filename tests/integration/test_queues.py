"""Colony's local queue broker under `colony serve`: messages sent to a queue binding whose service
is a worker with queue() are kept in a spool directory shared by every runtime process, each
delivered in a batch to one process at a time, acked once, retried with attempts counting up and
dropped after 4 deliveries, redelivered when the process running the batch dies, kept across a
reload and (with COLONY_QUEUE_DIR) across a restart. (Colony only: workerd would POST the messages
to the consumer's fetch().)

The consumer records each delivery as a file written through a writable `disk` service, named
MODE-K-ATTEMPTS-ISOLATE, holding JSON about it.
"""

import json
import os
import shutil
import signal
import tempfile
import time
import unittest

import harness
from harness import ServerTestCase

COLONY = harness.is_colony()

SCRIPT = r"""
const me = crypto.randomUUID();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/send") return new Response("not found", { status: 404 });
    const n = Number(url.searchParams.get("n") || 1);
    const from = Number(url.searchParams.get("from") || 0);
    const mode = url.searchParams.get("mode") || "ok";
    const delay = url.searchParams.get("delay");
    const options = delay ? { delaySeconds: Number(delay) } : undefined;
    if (n === 1) {
      await env.Q.send({ k: from, mode, sent: Date.now() }, options);
    } else {
      const messages = [];
      for (let i = 0; i < n; i++) messages.push({ body: { k: from + i, mode, sent: Date.now() } });
      await env.Q.sendBatch(messages, options);
    }
    return Response.json({ me });
  },

  async queue(batch, env) {
    for (const message of batch.messages) {
      const { k, mode, sent } = message.body;
      const record = { id: message.id, attempts: message.attempts, k, mode, me, at: Date.now(),
                       sent, queue: batch.queue, size: batch.messages.length };
      const name = `${mode}-${k}-${message.attempts}-${me}`;
      const put = await env.LOG.fetch("http://log/" + name, { method: "PUT", body: JSON.stringify(record) });
      if (put.status >= 300) throw new Error("cannot record " + name + ": " + put.status);
      if (mode === "retry" && message.attempts === 1) message.retry({ delaySeconds: 1 });
      if (mode === "slow" && message.attempts === 1) await sleep(60000);
    }
    if (batch.messages.some((m) => m.body.mode === "throw")) throw new Error("consumer failure on purpose");
  },
};
"""


def config_for(log_dir):
    return harness.module_worker(
        SCRIPT,
        bindings='(name = "Q", queue = "main"), (name = "LOG", service = "log")',
        services='(name = "log", disk = (path = "%s", writable = true)),' % log_dir)


@unittest.skipUnless(COLONY, "Colony's local queue broker")
class QueueBrokerTest(ServerTestCase):
    def setUp(self):
        self.log = tempfile.mkdtemp(prefix="colony-queue-log-")
        self.addCleanup(shutil.rmtree, self.log, True)

    def start(self, processes=2, queue_dir=None):
        config, files = config_for(self.log)
        env = {"COLONY_QUEUE_DIR": queue_dir} if queue_dir else None
        args = ["--single-process"] if processes == 0 else ["--processes", str(processes)]
        return self.serve(config, files, args=args, env=env)

    def records(self, mode=None):
        out = []
        for name in os.listdir(self.log):
            if mode is not None and not name.startswith(mode + "-"):
                continue
            path = os.path.join(self.log, name)
            try:
                with open(path) as f:
                    out.append(json.load(f))
            except (OSError, ValueError):
                pass  # being written
        return out

    def wait_records(self, predicate, timeout=20, mode=None):
        deadline = time.monotonic() + timeout
        while True:
            found = self.records(mode)
            if predicate(found):
                return found
            if time.monotonic() > deadline:
                self.fail("timed out; records: %s" % sorted((r["mode"], r["k"], r["attempts"]) for r in found))
            time.sleep(0.05)

    def send(self, server, client=None, **params):
        query = "&".join("%s=%s" % item for item in params.items())
        status, _, body = (client or server).get("/send?" + query)
        self.assertEqual(status, 200, body)
        return json.loads(body)["me"]

    def test_each_message_consumed_once_across_processes(self):
        server = self.start()
        # Held connections make the balancer send the next one elsewhere: send a batch of 5 on
        # each new connection until both processes have sent some.
        clients = []
        self.addCleanup(lambda: [c.close() for c in clients])
        producers = set()
        batches = 0
        while batches < 12 or (len(producers) < 2 and batches < 40):
            clients.append(server.keep_alive())
            producers.add(self.send(server, clients[-1], mode="ok", n=5, **{"from": batches * 5}))
            batches += 1
        self.assertEqual(len(producers), 2, "the sends should land on both processes")
        total = batches * 5
        self.wait_records(lambda r: len({x["k"] for x in r}) >= total)
        time.sleep(0.5)  # a duplicate delivery would show up by now
        found = self.records()
        self.assertEqual(sorted(r["k"] for r in found), list(range(total)))
        self.assertTrue(all(r["attempts"] == 1 and r["queue"] == "Q" for r in found))
        self.assertLessEqual(max(r["size"] for r in found), 10)
        self.assertEqual(len({r["id"] for r in found}), total)

    def test_throwing_consumer_retries_then_drops(self):
        server = self.start(processes=1)
        self.send(server, mode="throw")
        found = self.wait_records(lambda r: len(r) >= 4, mode="throw")
        time.sleep(1.0)
        found = self.records("throw")
        self.assertEqual(sorted(r["attempts"] for r in found), [1, 2, 3, 4])
        self.assertEqual(len({r["id"] for r in found}), 1)
        message_id = found[0]["id"]
        self.assertIn('message %s dropped after 4 delivery attempts' % message_id,
                      server.wait_for_stderr('message %s dropped' % message_id))
        self.assertIn('queue "Q": message %s dropped' % message_id, server.stderr)
        self.assertIn('queue "Q": a batch of 1 messages failed: Uncaught Error: consumer failure on purpose',
                      server.stderr)

    def test_delays(self):
        server = self.start(processes=1)
        self.send(server, mode="retry")          # retried with delaySeconds 1, acked on attempt 2
        self.send(server, mode="delayed", delay=1)
        retried = self.wait_records(lambda r: len(r) >= 2, mode="retry")
        first, second = sorted(retried, key=lambda r: r["attempts"])
        self.assertEqual((first["attempts"], second["attempts"]), (1, 2))
        self.assertGreaterEqual(second["at"] - first["at"], 1000)
        delayed = self.wait_records(lambda r: len(r) >= 1, mode="delayed")
        self.assertGreaterEqual(delayed[0]["at"] - delayed[0]["sent"], 1000)
        time.sleep(0.3)
        self.assertEqual(len(self.records("retry")), 2)

    def test_killed_consumer_batch_is_redelivered(self):
        queue_dir = tempfile.mkdtemp(prefix="colony-queue-dir-")
        self.addCleanup(shutil.rmtree, queue_dir, True)
        server = self.start(queue_dir=queue_dir)
        self.send(server, mode="slow")
        self.wait_records(lambda r: len(r) >= 1, mode="slow")
        # The process holding the claim: claimed/<pid>-<start time>/ in the queue's directory.
        owners = []
        for queue in os.listdir(queue_dir):
            claimed = os.path.join(queue_dir, queue, "claimed")
            owners += [owner for owner in os.listdir(claimed) if os.listdir(os.path.join(claimed, owner))]
        self.assertEqual(len(owners), 1, owners)
        os.kill(int(owners[0].split("-")[0]), signal.SIGKILL)
        found = self.wait_records(lambda r: len(r) >= 2, mode="slow")
        first, second = sorted(found, key=lambda r: r["attempts"])
        self.assertEqual((first["attempts"], second["attempts"]), (1, 2))
        self.assertEqual(first["id"], second["id"])
        self.assertNotEqual(first["me"], second["me"])

    def test_reload_while_sending_loses_nothing(self):
        server = self.start()
        for k in range(40):
            if k == 10:
                server.proc.send_signal(signal.SIGHUP)
            self.send(server, mode="ok", **{"from": k})
            time.sleep(0.02)
        self.assertIn("generation 2", server.wait_for_stderr("generation 2", timeout=30))
        self.wait_records(lambda r: len({x["k"] for x in r}) >= 40)
        time.sleep(0.5)
        self.assertEqual(sorted(r["k"] for r in self.records()), list(range(40)))

    def test_single_process_persistent_directory(self):
        queue_dir = tempfile.mkdtemp(prefix="colony-queue-dir-")
        self.addCleanup(shutil.rmtree, queue_dir, True)
        server = self.start(processes=0, queue_dir=queue_dir)
        self.send(server, mode="now", n=3)
        self.send(server, mode="single", n=2, delay=3)
        self.wait_records(lambda r: len(r) >= 3, mode="now")
        server.stop()
        self.assertEqual(self.records("single"), [])
        self.start(processes=0, queue_dir=queue_dir)
        found = self.wait_records(lambda r: len(r) >= 2, mode="single")
        self.assertEqual(sorted(r["k"] for r in found), [0, 1])
        self.assertEqual(len(self.records("now")), 3)

    def test_persistent_directory_keeps_messages_across_restart(self):
        queue_dir = tempfile.mkdtemp(prefix="colony-queue-dir-")
        self.addCleanup(shutil.rmtree, queue_dir, True)
        server = self.start(queue_dir=queue_dir)
        self.send(server, mode="later", n=3, delay=3)
        server.stop()
        self.assertEqual(self.records("later"), [])
        spooled = [name for queue in os.listdir(queue_dir)
                   for name in os.listdir(os.path.join(queue_dir, queue, "ready"))]
        self.assertEqual(len(spooled), 3, spooled)
        self.start(queue_dir=queue_dir)
        found = self.wait_records(lambda r: len(r) >= 3, mode="later")
        self.assertEqual(sorted(r["k"] for r in found), [0, 1, 2])
        self.assertTrue(all(r["at"] - r["sent"] >= 3000 for r in found))


if __name__ == "__main__":
    unittest.main()
