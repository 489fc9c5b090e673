# Three workers joined by service bindings: front -> middle -> back.
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "front", worker = (
      modules = [ (name = "front.js", esModule = embed "front.js") ],
      compatibilityDate = "2024-09-23",
      bindings = [ (name = "NEXT", service = "middle") ])),
    (name = "middle", worker = (
      modules = [ (name = "middle.js", esModule = embed "middle.js") ],
      compatibilityDate = "2024-09-23",
      bindings = [ (name = "NEXT", service = "back") ])),
    (name = "back", worker = (
      modules = [ (name = "back.js", esModule = embed "back.js") ],
      compatibilityDate = "2024-09-23")),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8080", http = (), service = "front") ],
);
