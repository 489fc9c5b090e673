# Control protocol between the supervisor and one runtime process, spoken over a Unix socketpair
# (capnp TwoPartyVatNetwork with file-descriptor passing).
#
# The runtime process offers `Runtime` as its bootstrap capability. The supervisor calls start()
# once, handing over the generation's canonical binary config, the listening sockets (as
# descriptors) and the shared load table; the runtime answers once every worker has started and
# it holds every socket, or with the full error. serve() then lets it accept. The runtime pushes
# load reports to the `Supervisor` capability it was given. drain() stops accepting and finishes
# the work in hand. When the supervisor drops the connection (or dies), the runtime exits.
@0xd3c0a1f25be4e7a9;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("colony::rpc");
using DurableObjects = import "durable_objects.capnp";

interface Fd {
  # A capability carrying one file descriptor (FD passing): the receiver reads it with getFd().
}

struct ListenSocket {
  name @0 :Text;        # the config's socket name
  fd @1 :Fd;            # an already-listening stream socket (TCP or Unix)
}

struct LoadReport {
  inFlight @0 :UInt64;        # requests dispatched whose response has not finished
  connections @1 :UInt64;     # open client connections
  requestsServed @2 :UInt64;  # responses completed since the process started
  rssBytes @3 :UInt64;        # resident set size
  heapUsedBytes @4 :UInt64;   # V8 heap in use, all isolates
  heapTotalBytes @5 :UInt64;  # V8 heap reserved, all isolates
  accepting @6 :Bool;         # accepting new connections right now (load balancing may pause it)
}

struct StartResult {
  union {
    ready @0 :Void;          # every worker started and every socket is set up
    failed @1 :Text;         # why not, in full (config, script or socket errors, one per line)
  }
}

interface Supervisor {
  reportLoad @0 (load :LoadReport);
  # Pushed by the runtime about once a second while it runs.

  objectDirectory @1 (host :DurableObjects.ObjectHost) -> (directory :DurableObjects.ObjectDirectory);
  # Durable Objects: registers the runtime's ObjectHost and returns the directory of object owners.
}

interface Runtime {
  start @0 (config :Data, sockets :List(ListenSocket), loadTable :Fd, slot :UInt32,
            supervisor :Supervisor) -> (result :StartResult);
  # config: LoadedConfig::canonicalBytes() of the generation. loadTable: the shared memory table
  # the runtimes use to balance accepted connections (see ipc/load_table.h); `slot` is this
  # process's row in it.

  serve @2 ();
  # Begin accepting connections (the whole generation is ready). Until then a started runtime
  # holds its sockets without accepting, so a generation that is rolled back never served.

  drain @1 (deadlineMs :UInt32) -> (finished :Bool, cutRequests :UInt64);
  # Stop accepting; finish in-flight requests and waitUntil work; keep-alive connections get
  # `Connection: close`; idle connections close. Returns when done, or at the deadline with
  # finished = false and the number of requests that were still in flight.

  scheduled @3 (service :Text, cron :Text, scheduledTime :Float64)
      -> (ok :Bool, noRetry :Bool, error :Text);
  # Runs the worker service's scheduled handler once for a cron trigger that came due
  # (scheduledTime: ms since the epoch); answers when it and its waitUntil work are done.
}
