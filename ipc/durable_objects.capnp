# Durable Objects across the runtime processes of `colony serve` (runtime/durable_objects/README.md).
#
# Every runtime offers an ObjectHost: a way into the objects that live in it. The supervisor keeps
# the directory of which process owns which object (ObjectDirectory); a runtime that needs an
# object it does not own asks the directory and gets the owner's ObjectHost (calls on it pass
# through the supervisor, which forwards them).
@0xc928e9e01110bdcc;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("colony::rpc");

struct HttpHeader {
  name @0 :Text;
  value @1 :Text;
}

struct ObjectAddress {
  service @0 :Text;     # the worker service exporting the class
  className @1 :Text;
  id @2 :Text;          # 64 hex digits
  name @3 :Text;        # the name the id was derived from, or empty
}

interface ByteStream {
  # One direction of an HTTP body, in order. Each write resolves when the receiver has taken the
  # bytes, so a sender that waits on its writes holds a bounded amount in flight.
  write @0 (bytes :Data) -> stream;
  end @1 ();
  # The body is complete. A stream dropped without end() is a body cut short.
}

interface WebSocketPeer {
  # One end of a WebSocket joined across processes: the messages for the side that offers it.
  # A message resolves when that side has taken it.
  text @0 (text :Text) -> stream;
  binary @1 (data :Data) -> stream;
  close @2 (code :UInt16, reason :Text);
}

interface ResponseSink {
  # Where the owner sends the response of a request opened with ObjectHost.open.
  send @0 (status :UInt16, statusText :Text, headers :List(HttpHeader), hasLength :Bool,
           length :UInt64) -> (body :ByteStream);
  acceptWebSocket @1 (headers :List(HttpHeader), owner :WebSocketPeer)
      -> (caller :WebSocketPeer);
  # The object accepted a WebSocket upgrade: `owner` takes the client's messages, `caller` the
  # object's. The request's done() answers when the session is over.
}

interface RequestHandle {
  done @0 ();
  # Resolves when the object has answered and the response body has been sent whole (throws
  # what the request threw). Dropping the handle cancels the request.
}

interface ObjectHost {
  open @0 (object :ObjectAddress, method :Text, url :Text, headers :List(HttpHeader),
           hasBody :Bool, response :ResponseSink) -> (body :ByteStream, handle :RequestHandle);
  # An HTTP request to the object's fetch(), bodies streamed both ways. Answers at once (before
  # any of the body is sent), so a caller refused by a draining owner can ask the directory again
  # and replay the request. `body` (null when hasBody is false) takes the request body.

  call @1 (object :ObjectAddress, method :Text, args :Data, caps :List(RpcStub))
      -> (result :Data, caps :List(RpcStub));
  # A JS RPC call: args and result are V8 structured-clone bytes (result: {ok, value}); functions
  # and RpcTargets inside them travel as the capabilities in `caps` (see RpcStub).
}

interface RpcStub {
  # A JS value passed by reference in a JS RPC call (a function, an RpcTarget, a stream's source,
  # a worker's entrypoint): calls on it run in the isolate that holds the value, wherever that is
  # (runtime/api/rpc.cc, runtime/js/rpc.js). Dropping the last reference releases the value.
  call @0 (path :List(Text), get :Bool, args :Data, caps :List(RpcStub))
      -> (result :Data, caps :List(RpcStub));
  # Calls the method at `path` with the argument array in `args` (or, when `get`, reads the
  # property at `path`). Bytes as in ObjectHost.call; the i-th stub inside them is caps[i].
}

interface ObjectDirectory {
  locate @0 (key :Text) -> (host :ObjectHost, local :Bool);
  # The process that owns the object `key` (service/className/id). An object nobody owns is placed
  # in the caller's process (local = true: the caller runs it itself). While the owner drains,
  # the answer waits until it is gone, so that two instances never run at once.
}
