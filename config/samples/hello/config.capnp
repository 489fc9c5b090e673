# The smallest Colony config: one service-worker-syntax script answering every request.
#   colony serve config.capnp      then      curl http://localhost:8080/
#   colony test config.capnp       runs the `test` handler of "tester", which calls "main".
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .helloWorker),
    (name = "tester", worker = .testerWorker),
  ],
  sockets = [
    (name = "http", address = "*:8080", http = (), service = "main"),
  ],
);

const helloWorker :Workerd.Worker = (
  serviceWorkerScript = embed "worker.js",
  compatibilityDate = "2024-09-23",
);

# Service-worker scripts cannot export a test handler, so a small modules worker tests "main"
# through a service binding.
const testerWorker :Workerd.Worker = (
  modules = [ (name = "tester.js", esModule = embed "tester.js") ],
  compatibilityDate = "2024-09-23",
  bindings = [ (name = "MAIN", service = "main") ],
);
