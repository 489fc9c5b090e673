// A `worker` service: a Worker and its entrypoints.
#pragma once

#include <memory>

#include "runtime/service.h"
#include "runtime/worker.h"

namespace colony {

class WorkerService final : public Service {
 public:
  WorkerService(WorkerHost& host, WorkerSource source)
      : name_(kj::str(source.serviceName.c_str())),
        worker_(std::make_unique<Worker>(host, std::move(source))) {}

  kj::StringPtr name() const override { return name_; }
  kj::HttpService& entrypoint(kj::StringPtr entrypointName) override {
    return worker_->entrypoint(entrypointName);
  }
  Worker& worker() { return *worker_; }

 private:
  kj::String name_;
  std::unique_ptr<Worker> worker_;
};

}  // namespace colony
