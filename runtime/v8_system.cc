#include "runtime/v8_system.h"

#include <libplatform/libplatform.h>
#include <v8.h>

namespace colony {

V8System::V8System(const std::vector<std::string>& flags) {
  for (auto& flag : flags) {
    v8::V8::SetFlagsFromString(flag.c_str(), flag.size());
  }
  // Workers may not generate code from strings, as on the Workers platform.
  static const char kFixedFlags[] = "--disallow-code-generation-from-strings";
  v8::V8::SetFlagsFromString(kFixedFlags, sizeof(kFixedFlags) - 1);
  // The startup snapshots (V8's own and the built-ins') are part of the binaries; checksumming
  // them again for every isolate only costs start-up time.
  static const char kNoChecksum[] = "--no-verify-snapshot-checksum";
  v8::V8::SetFlagsFromString(kNoChecksum, sizeof(kNoChecksum) - 1);
  platform_ = v8::platform::NewDefaultPlatform(
      2, v8::platform::IdleTaskSupport::kDisabled, v8::platform::InProcessStackDumping::kEnabled);
  v8::V8::InitializePlatform(platform_.get());
  v8::V8::Initialize();
}

V8System::~V8System() {
  v8::V8::Dispose();
  v8::V8::DisposePlatform();
}

}  // namespace colony
