// Built without RTTI (runtime/meson.build), like the libnode V8 whose class it derives from.
#include "runtime/builtin_sources.h"

namespace colony::builtins {

class ExternalSources::Resource final : public v8::String::ExternalOneByteStringResource {
 public:
  explicit Resource(std::string_view text) : text_(text) {}
  const char* data() const override { return text_.data(); }
  size_t length() const override { return text_.size(); }

 protected:
  void Dispose() override {}  // the text is the binary's; the resource lives as long

 private:
  std::string_view text_;
};

ExternalSources::ExternalSources(const std::vector<std::string_view>& texts) {
  for (std::string_view text : texts) {
    resources_.push_back(new Resource(text));
    references_.push_back(reinterpret_cast<intptr_t>(resources_.back()));
  }
  references_.push_back(0);
}

v8::Local<v8::String> ExternalSources::string(v8::Isolate* isolate, size_t index) const {
  return v8::String::NewExternalOneByte(isolate, resources_.at(index)).ToLocalChecked();
}

}  // namespace colony::builtins
