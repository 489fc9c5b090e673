// Process-wide V8 set-up: the platform (V8's own background threads) and engine initialisation.
// Created once by the runtime process (never by the supervisor) before any isolate.
#pragma once

#include <v8-platform.h>

#include <memory>
#include <string>
#include <vector>

namespace colony {

class V8System {
 public:
  // `flags` are V8 command-line flags (Config.v8Flags), applied before initialisation.
  explicit V8System(const std::vector<std::string>& flags = {});
  ~V8System();
  V8System(const V8System&) = delete;
  V8System& operator=(const V8System&) = delete;

  v8::Platform& platform() { return *platform_; }

 private:
  std::unique_ptr<v8::Platform> platform_;
};

}  // namespace colony
