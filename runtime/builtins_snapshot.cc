// The startup snapshot embedded by the build (see runtime/builtins.h and snapshot_gen.cc).
#include <spdlog/spdlog.h>

#include <cstring>

#include "runtime/builtins.h"

extern "C" const char colony_builtins_snapshot[];
extern "C" const char colony_builtins_code_caches[];

namespace colony::builtins {

namespace generated {
extern const char kSnapshotV8Version[];
extern const size_t kSnapshotSize;
extern const size_t kCodeCachesSize;
}  // namespace generated

v8::StartupData* startupSnapshot() {
  static v8::StartupData* snapshot = [] {
    // A V8 other than the one that made the snapshot cannot read it (a libnode update after the
    // build): evaluate the built-ins in each isolate instead.
    if (std::strcmp(generated::kSnapshotV8Version, v8::V8::GetVersion()) != 0) {
      spdlog::warn("the built-ins' startup snapshot was made by V8 {}, this is V8 {}: rebuild "
                   "Colony to start workers faster",
                   generated::kSnapshotV8Version, v8::V8::GetVersion());
      return static_cast<v8::StartupData*>(nullptr);
    }
    return new v8::StartupData{colony_builtins_snapshot, static_cast<int>(generated::kSnapshotSize)};
  }();
  return snapshot;
}

std::string_view codeCaches() {
  if (startupSnapshot() == nullptr) return {};
  return {colony_builtins_code_caches, generated::kCodeCachesSize};
}

}  // namespace colony::builtins
