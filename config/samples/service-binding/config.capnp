# Two services joined by a service binding: "frontend" is public and asks "backend", which no
# socket exposes, for data. The binding is the only way to reach "backend".
#   colony serve config.capnp      then      curl http://localhost:8084/users/7
#   colony test config.capnp
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "frontend", worker = .frontendWorker),
    (name = "backend", worker = .backendWorker),
  ],
  sockets = [
    (name = "http", address = "*:8084", http = (), service = "frontend"),
  ],
);

const frontendWorker :Workerd.Worker = (
  modules = [ (name = "frontend.js", esModule = embed "frontend.js") ],
  compatibilityDate = "2024-09-23",
  bindings = [ (name = "BACKEND", service = "backend") ],
);

const backendWorker :Workerd.Worker = (
  modules = [ (name = "backend.js", esModule = embed "backend.js") ],
  compatibilityDate = "2024-09-23",
);
