// Scheduled events: running a worker service's scheduled handler by service name (cron triggers
// fired by the supervisor, through Runtime.scheduled in ipc/supervisor.capnp).
#pragma once

#include <string>

#include <kj/async.h>

#include "runtime/worker.h"

namespace colony {

class Server;

// Fetcher.scheduled(): Worker::entrypoint() registers each entrypoint it makes; ~Worker forgets
// them. The op serviceScheduled is installed with the others (runtime/api/ops.cc).
void registerScheduledTarget(const kj::HttpService& service, Worker& worker,
                             const std::string& entrypoint);
void unregisterScheduledTargets(Worker& worker);
void installScheduledOps(Worker& worker, v8::Local<v8::Object> ops);
// The worker and entrypoint behind a service target handle (a Fetcher's), when it is a worker.
bool workerBehindTarget(v8::Local<v8::Value> target, Worker*& worker, std::string& entrypoint);
// Queue consumer ops (runtime/queue_consumer.cc).
void installQueueConsumerOps(Worker& worker, v8::Local<v8::Object> ops);

// Fails (a kj exception naming the service) when there is no such worker service.
kj::Promise<Worker::ScheduledOutcome> runScheduled(Server& server, const std::string& service,
                                                   double scheduledTimeMs, const std::string& cron);

}  // namespace colony
