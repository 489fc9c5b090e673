# Every binding kind Colony supports, seen from a service-worker script (bindings are globals
# there; wasmModule bindings exist only in that syntax). GET / answers with what each holds.
#   colony serve config.capnp      then      curl http://localhost:8082/
#   SAMPLE_MESSAGE=hi colony serve config.capnp     (fills the fromEnvironment binding)
#   colony test config.capnp       ("tester" checks "main" through a service binding)
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .mainWorker),
    (name = "helper", worker = .helperWorker),
    (name = "tester", worker = .testerWorker),
  ],
  sockets = [
    (name = "http", address = "*:8082", http = (), service = "main"),
  ],
);

const mainWorker :Workerd.Worker = (
  serviceWorkerScript = embed "main.js",
  compatibilityDate = "2024-09-23",
  bindings = [
    (name = "GREETING", text = "Hello from a text binding"),
    (name = "BYTES", data = 0x"00 01 02 ff"),
    (name = "SETTINGS", json = "{\"retries\": 3, \"regions\": [\"eu\", \"us\"]}"),
    (name = "ADD", wasmModule = embed "../wasm/add.wasm"),
    (name = "MESSAGE", fromEnvironment = "SAMPLE_MESSAGE"),
    (name = "HELPER", service = "helper"),
  ],
);

const helperWorker :Workerd.Worker = (
  modules = [ (name = "helper.js", esModule = embed "helper.js") ],
  compatibilityDate = "2024-09-23",
);

const testerWorker :Workerd.Worker = (
  modules = [ (name = "tester.js", esModule = embed "tester.js") ],
  compatibilityDate = "2024-09-23",
  bindings = [ (name = "MAIN", service = "main") ],
);
