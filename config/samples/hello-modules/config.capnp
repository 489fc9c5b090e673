# Hello world in ES-modules syntax, with a second module imported by the first.
#   colony serve config.capnp      then      curl http://localhost:8081/?name=you
#   colony test config.capnp
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .helloWorker),
  ],
  sockets = [
    (name = "http", address = "*:8081", http = (), service = "main"),
  ],
);

const helloWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "greeting.js", esModule = embed "greeting.js"),
  ],
  compatibilityDate = "2024-09-23",
);
