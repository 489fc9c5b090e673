# A worker using WebAssembly: add.wasm (made by make_add_wasm.py) is a module of the worker.
#   colony serve config.capnp      then      curl 'http://localhost:8083/?a=2&b=40'
#   colony test config.capnp
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .wasmWorker),
  ],
  sockets = [
    (name = "http", address = "*:8083", http = (), service = "main"),
  ],
);

const wasmWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "add.wasm", wasm = embed "add.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
