// Routing of Durable Object requests between the runtime processes of `colony serve`: one live
// instance per object id across all processes (see README.md in this folder).
#pragma once

#include <memory>
#include <string>

#include "runtime/durable_objects/object_host.h"

namespace colony::durable_objects {

class ObjectRouter {
 public:
  virtual ~ObjectRouter() noexcept(false) = default;
  // The router of this process; nullptr when objects are local (single process, colony test).
  static ObjectRouter* current();
  static void setCurrent(ObjectRouter* router);

  // A channel that reaches the object wherever it lives (owned by the router).
  virtual ObjectChannel& channel(Namespace& ns, const std::string& id, const std::string& name) = 0;
};

}  // namespace colony::durable_objects
