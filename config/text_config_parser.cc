// Text config parsing: a capnp::SchemaFile that serves the config's files (and the built-in
// schemas), collects every compiler error with its position, and applies the two source fix-ups
// described in text_config_parser.h. Parsing is repeated (with a fresh SchemaParser) until the
// errors ask for no new fix-up.
#include "config/text_config_parser.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/schema-loader.h>
#include <capnp/schema-parser.h>
#include <kj/filesystem.h>
#include <kj/time.h>

#include "config/embedded_file.h"
#include "config/workerd.capnp.h"

namespace colony::config {

namespace {

constexpr int kMaxParsePasses = 4;
constexpr std::string_view kMissingIdMessage = "File does not declare an ID.";
constexpr std::string_view kTypeMismatchPrefix = "Type mismatch; expected ";

// Source changes made to one file before the compiler sees it.
struct FileFixups {
  bool appendId = false;
  // Original byte ranges of string literals to wrap as `(<field> = "...")`.
  std::map<uint32_t, std::pair<uint32_t, std::string>> wraps;  // start -> (end, field)
};

// Text inserted into a file by its fix-ups: (original offset, length), in offset order.
using Insertions = std::vector<std::pair<uint32_t, uint32_t>>;

struct CollectedError {
  std::string fileKey;
  std::string displayName;
  uint32_t startByte;  // in the text the compiler saw
  uint32_t endByte;
  std::string message;
};

// A file the compiler read: what it was, and what the compiler saw instead.
struct FileRecord {
  std::string displayName;
  std::string original;
  std::string rewritten;
  Insertions insertions;
  bool isConfigSource = false;  // the main file or a .capnp file it imports (not embedded data)
};

uint64_t derivedFileId(std::string_view key) {
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash | (1ull << 63);  // file IDs must have the top bit set
}

// Everything shared by the SchemaFiles of one parse pass.
struct ParseSession {
  const kj::ReadableDirectory* builtinDir = nullptr;
  std::vector<std::pair<const kj::ReadableDirectory*, std::string>> importDirs;  // dir, display
  std::map<std::string, FileFixups> fixups;  // by file key
  std::vector<CollectedError> errors;
  std::map<std::string, FileRecord> files;  // by file key
  std::vector<std::string> fileOrder;        // keys, in first-read order
};

std::string fileKey(const kj::ReadableDirectory& dir, const kj::Path& path) {
  return kj::str(reinterpret_cast<uintptr_t>(&dir), ":", path.toString(true)).cStr();
}

class ConfigSchemaFile final : public capnp::SchemaFile {
 public:
  ConfigSchemaFile(ParseSession& session, const kj::ReadableDirectory& dir, kj::Path path,
                   std::string displayName, bool builtin)
      : session(session), dir(dir), path(kj::mv(path)), displayName(kj::mv(displayName)),
        builtin(builtin), key(fileKey(dir, this->path)) {}

  kj::StringPtr getDisplayName() const override { return displayName.c_str(); }

  kj::Array<const char> readContent() const override {
    kj::Array<kj::byte> bytes = dir.openFile(path)->readAllBytes();
    std::string original(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
    auto found = session.fixups.find(key);
    bool isMain = session.fileOrder.empty() && session.files.empty();
    FileRecord record{displayName, {}, {}, {},
                      !builtin && (isMain || displayName.ends_with(".capnp"))};
    if (found == session.fixups.end()) {
      if (!builtin) record.original = original;  // errors may need it for positions / fix-ups
      remember(kj::mv(record));
      return bytes.releaseAsChars();
    }
    record.rewritten = applyFixups(original, found->second, record.insertions);
    record.original = kj::mv(original);
    kj::Array<char> content = kj::heapArray<char>(record.rewritten.data(), record.rewritten.size());
    remember(kj::mv(record));
    return content;
  }

  kj::Maybe<kj::Own<capnp::SchemaFile>> import(kj::StringPtr importPath) const override {
    if (importPath.startsWith("/")) {
      kj::Path relative = kj::Path::parse(importPath.slice(1));
      if (session.builtinDir->exists(relative)) {
        return kj::Own<capnp::SchemaFile>(kj::heap<ConfigSchemaFile>(
            session, *session.builtinDir, kj::mv(relative), importPath.cStr(), true));
      }
      for (auto& [importDir, importDisplay] : session.importDirs) {
        if (importDir->exists(relative)) {
          return kj::Own<capnp::SchemaFile>(kj::heap<ConfigSchemaFile>(
              session, *importDir, kj::mv(relative), importDisplay + importPath.cStr(), false));
        }
      }
      return nullptr;
    }
    kj::Maybe<kj::Path> target;
    KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&] {
      target = path.parent().eval(importPath);
    })) {
      return nullptr;  // e.g. ".." past the root
    }
    KJ_IF_MAYBE(t, target) {
      if (!dir.exists(*t)) return nullptr;
      auto slash = displayName.rfind('/');
      std::string display = slash == std::string::npos
                                ? std::string(importPath.cStr())
                                : displayName.substr(0, slash + 1) + importPath.cStr();
      return kj::Own<capnp::SchemaFile>(
          kj::heap<ConfigSchemaFile>(session, dir, kj::mv(*t), kj::mv(display), builtin));
    }
    return nullptr;
  }

  bool operator==(const capnp::SchemaFile& other) const override {
    auto* that = dynamic_cast<const ConfigSchemaFile*>(&other);
    return that != nullptr && &that->dir == &dir && that->path == path;
  }
  bool operator!=(const capnp::SchemaFile& other) const override { return !(*this == other); }
  size_t hashCode() const override { return std::hash<std::string>()(key); }

  void reportError(SourcePos start, SourcePos end, kj::StringPtr message) const override {
    session.errors.push_back({key, displayName, start.byte, end.byte, message.cStr()});
  }

 private:
  void remember(FileRecord record) const {
    if (session.files.emplace(key, kj::mv(record)).second) session.fileOrder.push_back(key);
  }

  std::string applyFixups(const std::string& original, const FileFixups& fixups,
                          Insertions& insertions) const {
    std::string out;
    size_t copied = 0;
    for (auto& [start, endAndField] : fixups.wraps) {
      auto& [end, field] = endAndField;
      if (start < copied || end > original.size()) continue;
      std::string prefix = "(" + field + " = ";
      out.append(original, copied, start - copied);
      out += prefix;
      out.append(original, start, end - start);
      out += ")";
      insertions.emplace_back(start, prefix.size());
      insertions.emplace_back(end, 1);
      copied = end;
    }
    out.append(original, copied);
    if (fixups.appendId) {
      out += kj::str("\n@0x", kj::hex(derivedFileId(key)), ";\n").cStr();
    }
    return out;
  }

  ParseSession& session;
  const kj::ReadableDirectory& dir;
  kj::Path path;
  std::string displayName;
  bool builtin;
  std::string key;
};

// Maps an offset in the text the compiler saw back to the original file.
uint32_t originalOffset(const Insertions& insertions, uint32_t rewritten) {
  uint32_t shift = 0;
  for (auto [offset, length] : insertions) {
    if (rewritten < offset + shift) break;
    if (rewritten < offset + shift + length) return offset;
    shift += length;
  }
  return rewritten - shift;
}

ConfigProblem problemAt(const std::string& file, const std::string& text, uint32_t offset,
                        std::string message) {
  ConfigProblem problem{file, 1, 1, kj::mv(message)};
  offset = std::min<uint32_t>(offset, text.size());
  for (uint32_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++problem.line;
      problem.column = 1;
    } else {
      ++problem.column;
    }
  }
  return problem;
}

// Struct short name -> name of its first field, for structs of the compiled-in schema whose
// first field is Text (the only ones a plain string can stand for). Names shared by structs
// that disagree are left out.
const std::map<std::string, std::string>& stringShorthandFields() {
  static const auto* table = [] {
    auto* result = new std::map<std::string, std::string>();
    std::set<std::string> ambiguous;
    capnp::SchemaLoader loader;
    loader.loadCompiledTypeAndDependencies<Config>();
    for (capnp::Schema schema : loader.getAllLoaded()) {
      if (!schema.getProto().isStruct()) continue;
      auto fields = schema.asStruct().getFields();
      std::string name = schema.getShortDisplayName().cStr();
      std::string field;
      if (fields.size() > 0 && fields[0].getType().isText()) {
        field = fields[0].getProto().getName().cStr();
      }
      auto [it, inserted] = result->emplace(name, field);
      if (!inserted && it->second != field) ambiguous.insert(name);
    }
    for (auto& name : ambiguous) result->erase(name);
    for (auto it = result->begin(); it != result->end();) {
      it = it->second.empty() ? result->erase(it) : std::next(it);
    }
    return result;
  }();
  return *table;
}

kj::Own<kj::Directory> makeBuiltinDirectory() {
  auto dir = kj::newInMemoryDirectory(kj::nullClock());
  for (const EmbeddedFile* file = embedded::schemas; file->name != nullptr; ++file) {
    std::string_view name = file->name;
    kj::Path path = name == "c++.capnp" ? kj::Path({"capnp", file->name})
                                        : kj::Path({"workerd", file->name});
    dir->openFile(path, kj::WriteMode::CREATE | kj::WriteMode::CREATE_PARENT)
        ->writeAll(kj::ArrayPtr<const kj::byte>(reinterpret_cast<const kj::byte*>(file->data),
                                                file->size));
  }
  return dir;
}

// Looks at one pass's errors; records the fix-ups they call for. Returns true if any is new.
bool planFixups(ParseSession& session) {
  bool added = false;
  for (const CollectedError& error : session.errors) {
    FileFixups& fixups = session.fixups[error.fileKey];
    if (std::string_view(error.message).starts_with(kMissingIdMessage)) {
      if (!fixups.appendId) fixups.appendId = added = true;
      continue;
    }
    if (!std::string_view(error.message).starts_with(kTypeMismatchPrefix)) continue;
    std::string typeName = error.message.substr(kTypeMismatchPrefix.size());
    if (!typeName.empty() && typeName.back() == '.') typeName.pop_back();
    auto field = stringShorthandFields().find(typeName);
    auto file = session.files.find(error.fileKey);
    if (field == stringShorthandFields().end() || file == session.files.end()) continue;
    const FileRecord& record = file->second;
    const std::string& seen = record.insertions.empty() && record.rewritten.empty()
                                  ? record.original
                                  : record.rewritten;
    if (error.endByte > seen.size() || error.endByte < error.startByte + 2) continue;
    if (seen[error.startByte] != '"' || seen[error.endByte - 1] != '"') continue;
    uint32_t start = originalOffset(record.insertions, error.startByte);
    uint32_t end = originalOffset(record.insertions, error.endByte);
    if (fixups.wraps.emplace(start, std::make_pair(end, field->second)).second) added = true;
  }
  return added;
}

std::vector<ConfigProblem> describeErrors(const ParseSession& session) {
  std::vector<ConfigProblem> problems;
  std::set<std::tuple<std::string, uint32_t, std::string>> seen;
  for (const CollectedError& error : session.errors) {
    auto file = session.files.find(error.fileKey);
    if (file == session.files.end() || file->second.original.empty()) {
      problems.push_back({error.displayName, 0, 0, error.message});
      continue;
    }
    uint32_t offset = originalOffset(file->second.insertions, error.startByte);
    if (!seen.emplace(error.fileKey, offset, error.message).second) continue;
    problems.push_back(problemAt(error.displayName, file->second.original, offset, error.message));
  }
  return problems;
}

bool isConfigConst(capnp::ParsedSchema schema) {
  if (!schema.getProto().isConst()) return false;
  capnp::Type type = schema.asConst().getType();
  return type.isStruct() && type.asStruct().getProto().getId() == capnp::typeId<Config>();
}

}  // namespace

ParsedTextConfig parseTextConfig(const std::string& path, const std::string& constName,
                                 const std::vector<std::string>& importPaths) {
  auto fs = kj::newDiskFilesystem();
  const kj::Directory& root = fs->getRoot();
  kj::Path mainPath = fs->getCurrentPath().eval(path.c_str());
  if (!root.exists(mainPath)) {
    throw ConfigError({{path, 0, 0, "config file not found"}});
  }

  auto builtinDir = makeBuiltinDirectory();
  std::vector<kj::Own<const kj::ReadableDirectory>> openedImportDirs;
  ParseSession session;
  session.builtinDir = builtinDir.get();
  std::vector<ConfigProblem> importPathProblems;
  for (const std::string& importPath : importPaths) {
    kj::Path dirPath = fs->getCurrentPath().eval(importPath.c_str());
    KJ_IF_MAYBE(dir, root.tryOpenSubdir(dirPath)) {
      std::string display = importPath;
      while (!display.empty() && display.back() == '/') display.pop_back();
      session.importDirs.emplace_back(dir->get(), display);
      openedImportDirs.push_back(kj::mv(*dir));
    } else {
      importPathProblems.push_back({"", 0, 0, "import path \"" + importPath +
                                                  "\" (-I) is not a directory"});
    }
  }
  if (!importPathProblems.empty()) throw ConfigError(kj::mv(importPathProblems));

  for (int pass = 1;; ++pass) {
    session.errors.clear();
    session.files.clear();
    session.fileOrder.clear();
    capnp::SchemaParser parser;
    capnp::ParsedSchema fileSchema;
    KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&] {
      fileSchema = parser.parseFile(
          kj::heap<ConfigSchemaFile>(session, root, mainPath.clone(), path, false));
    })) {
      if (session.errors.empty()) {
        session.errors.push_back({"", path, 0, 0, exception->getDescription().cStr()});
      }
    }
    if (!session.errors.empty()) {
      if (pass < kMaxParsePasses && planFixups(session)) continue;
      throw ConfigError(describeErrors(session));
    }

    // Choose the const.
    std::vector<std::string> configConsts;
    for (capnp::ParsedSchema nested : fileSchema.getAllNested()) {
      if (isConfigConst(nested)) configConsts.push_back(nested.getUnqualifiedName().cStr());
    }
    std::string list;
    for (auto& name : configConsts) list += (list.empty() ? "" : ", ") + name;
    capnp::ParsedSchema chosen;
    if (!constName.empty()) {
      KJ_IF_MAYBE(found, fileSchema.findNested(constName.c_str())) {
        if (!isConfigConst(*found)) {
          throw ConfigError({{path, 0, 0, "\"" + constName + "\" is not a const of type Config" +
                                              (list.empty() ? "" : "; Config consts: " + list)}});
        }
        chosen = *found;
      } else {
        throw ConfigError({{path, 0, 0, "no const named \"" + constName + "\"" +
                                            (list.empty() ? "" : "; Config consts: " + list)}});
      }
    } else if (configConsts.empty()) {
      throw ConfigError({{path, 0, 0,
                          "declares no const of type Config (write `const config :Workerd.Config "
                          "= (...);` after `using Workerd = import \"/workerd/workerd.capnp\";`)"}});
    } else if (configConsts.size() > 1) {
      throw ConfigError({{path, 0, 0, "declares several Config consts (" + list +
                                          "); name the one to use after the file name"}});
    } else {
      chosen = fileSchema.getNested(configConsts[0].c_str());
    }

    ParsedTextConfig result;
    KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&] {
      auto value = chosen.asConst().as<capnp::DynamicStruct>();
      capnp::MallocMessageBuilder builder;
      builder.setRoot(value);
      result.canonicalConfig = capnp::canonicalize(builder.getRoot<Config>().asReader());
    })) {
      throw ConfigError({{path, 0, 0, std::string("cannot evaluate the config const: ") +
                                          exception->getDescription().cStr()}});
    }
    result.constName = chosen.getUnqualifiedName().cStr();
    for (const std::string& key : session.fileOrder) {
      const FileRecord& record = session.files.at(key);
      if (record.isConfigSource) result.sources.push_back({record.displayName, record.original});
    }
    return result;
  }
}

}  // namespace colony::config
