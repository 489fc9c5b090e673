#include "supervisor/logging.h"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>

namespace colony::logging {

namespace {

std::atomic<uint64_t> currentGeneration{0};

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

class LineFormatter final : public spdlog::formatter {
 public:
  LineFormatter(Format format, std::string role) : format_(format), role_(std::move(role)), pid_(getpid()) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto since = msg.time.time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since - seconds).count();
    time_t t = static_cast<time_t>(seconds.count());
    struct tm tm;
    gmtime_r(&t, &tm);
    char stamp[40];
    snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
    auto level = spdlog::level::to_string_view(msg.level);
    std::string_view text(msg.payload.data(), msg.payload.size());
    uint64_t generation = currentGeneration.load(std::memory_order_relaxed);
    if (format_ == Format::kJson) {
      append(dest, "{\"time\":\"");
      append(dest, stamp);
      append(dest, "\",\"level\":\"");
      append(dest, std::string_view(level.data(), level.size()));
      append(dest, "\",\"role\":\"");
      append(dest, jsonEscape(role_));
      append(dest, "\",\"pid\":");
      append(dest, std::to_string(pid_));
      append(dest, ",\"generation\":");
      append(dest, std::to_string(generation));
      append(dest, ",\"msg\":\"");
      append(dest, jsonEscape(std::string(text)));
      append(dest, "\"}\n");
      return;
    }
    append(dest, stamp);
    append(dest, " ");
    msg.color_range_start = dest.size();
    append(dest, std::string_view(level.data(), level.size()));
    msg.color_range_end = dest.size();
    append(dest, " [");
    append(dest, role_);
    append(dest, " ");
    append(dest, std::to_string(pid_));
    if (generation != 0) {
      append(dest, " gen ");
      append(dest, std::to_string(generation));
    }
    append(dest, "] ");
    append(dest, text);
    append(dest, "\n");
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_, role_);
  }

 private:
  Format format_;
  std::string role_;
  pid_t pid_;
};

}  // namespace

std::optional<Format> parseFormat(const std::string& text) {
  if (text == "text") return Format::kText;
  if (text == "json") return Format::kJson;
  return std::nullopt;
}

void setUp(bool verbose, Format format, const std::string& role) {
  auto logger = spdlog::get("colony");
  if (!logger) logger = spdlog::stderr_color_mt("colony");
  if (format == Format::kJson) {
    // No colour escapes inside JSON lines.
    logger = std::make_shared<spdlog::logger>(
        "colony", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  logger->set_formatter(std::make_unique<LineFormatter>(format, role));
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void setGeneration(uint64_t generation) {
  currentGeneration.store(generation, std::memory_order_relaxed);
}

void KjLogRedirect::logMessage(kj::LogSeverity severity, const char* file, int line,
                               int contextDepth, kj::String&& text) {
  spdlog::level::level_enum level = spdlog::level::info;
  switch (severity) {
    case kj::LogSeverity::INFO: level = spdlog::level::info; break;
    case kj::LogSeverity::WARNING: level = spdlog::level::warn; break;
    case kj::LogSeverity::ERROR:
    case kj::LogSeverity::FATAL: level = spdlog::level::err; break;
    case kj::LogSeverity::DBG: level = spdlog::level::debug; break;
  }
  std::string message(text.cStr());
  while (!message.empty() && message.back() == '\n') message.pop_back();
  spdlog::log(level, "{}", message);
}


}  // namespace colony::logging
