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

interface ObjectHost {
  request @0 (object :ObjectAddress, method :Text, url :Text, headers :List(HttpHeader),
              body :Data) -> (status :UInt16, statusText :Text, headers :List(HttpHeader),
                              body :Data);
  # An HTTP request to the object's fetch() (bodies whole, in memory).

  call @1 (object :ObjectAddress, method :Text, args :Data) -> (result :Data);
  # A JS RPC call: args and result are V8 structured-clone bytes (result: {ok, value}).
}

interface ObjectDirectory {
  locate @0 (key :Text) -> (host :ObjectHost, local :Bool);
  # The process that owns the object `key` (service/className/id). An object nobody owns is placed
  # in the caller's process (local = true: the caller runs it itself). While the owner drains,
  # the answer waits until it is gone, so that two instances never run at once.
}
