// Colony's local queue broker, runtime side: a queue binding whose service is a worker with a
// queue() handler stores its messages in the queue's spool directory (runtime/storage/
// queue_spool.h), and every runtime process of the server consumes from it, one batch at a time
// per queue, calling queue(batch, env, ctx) and acking, retrying or dropping each message by the
// outcome. See runtime/storage/README.md ("Queues").
#pragma once

#include <memory>
#include <vector>

#include <kj/async.h>
#include <kj/timer.h>
#include <uv.h>

namespace colony {

class Server;
class QueueConsumer;

// The consumers of one Server: one per distinct (consumer worker, entrypoint, queue name) among
// the config's queue bindings whose worker has queue(). Made by Server::start() once every worker
// has started; destroyed before the workers.
class QueueConsumers {
 public:
  QueueConsumers(Server& server, kj::Timer& timer, uv_loop_t* loop);
  ~QueueConsumers() noexcept(false);
  QueueConsumers(const QueueConsumers&) = delete;
  QueueConsumers& operator=(const QueueConsumers&) = delete;

  // Starts delivering (once this process serves). Sends are stored before that too.
  void start();
  // Takes no new batch; resolves when the batches in flight have settled.
  kj::Promise<void> drain();

 private:
  std::vector<std::unique_ptr<QueueConsumer>> consumers_;
};

}  // namespace colony
