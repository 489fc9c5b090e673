#include "runtime/durable_objects/object_router.h"

namespace colony::durable_objects {

namespace {
ObjectRouter* currentRouter = nullptr;
}

ObjectRouter* ObjectRouter::current() { return currentRouter; }
void ObjectRouter::setCurrent(ObjectRouter* router) { currentRouter = router; }

}  // namespace colony::durable_objects
