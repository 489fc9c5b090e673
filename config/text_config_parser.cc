// Text config parsing: a capnp::SchemaFile that serves the config's files (and the built-in
// schemas), collects every compiler error with its position, and applies the two source fix-ups
// described in text_config_parser.h.
//
// A parse pass compiles workerd.capnp too, so the fix-ups are decided before the first pass where
// a token scan of each schema file can tell: a file without a top-level `@<id>;` statement gets
// its ID, and `field = "text"` gets wrapped when every field of that name in the compiled-in
// schema is a struct (or group) the shorthand applies to or a type that takes no string at all
// (only while no file the compiler reads declares a struct of its own). Parsing is repeated
// (with a fresh SchemaParser) when the errors ask for a fix-up the scan missed, or fall inside one
// it decided (that one is taken back), so the result is the same as finding every fix-up from
// the compiler's errors, in fewer passes.
#include "config/text_config_parser.h"

#include <algorithm>
#include <cctype>
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

constexpr int kMaxParsePasses = 6;
constexpr std::string_view kMissingIdMessage = "File does not declare an ID.";
constexpr std::string_view kTypeMismatchPrefix = "Type mismatch; expected ";
constexpr std::string_view kGroupTypeName = "group";  // how that message names any group

// How a file came to be read: as the main config, as a schema its importer `import`s, as data
// its importer `embed`s, or unknown (both, or a path the scan could not match).
enum class FileRole { kMain, kImport, kEmbed, kUnknown };

// `field = "text"` directly inside parentheses (after `(` or `,`, before `,` or `)`).
struct StringAssignment {
  std::string field;
  uint32_t start;  // the opening quote
  uint32_t end;    // one past the closing quote
};

// What a token scan of a .capnp source shows before the compiler sees it.
struct SourceScan {
  bool declaresId = false;        // a top-level statement `@<integer>;`
  bool declaresStruct = false;    // the keyword `struct` anywhere
  std::set<std::string> imports;  // string literals following `import`, as written
  std::set<std::string> embeds;   // string literals following `embed`, as written
  std::vector<StringAssignment> stringAssignments;
};

// Source changes made to one file before the compiler sees it.
struct FileFixups {
  bool planned = false;  // the scan's fix-ups have been decided
  bool appendId = false;
  bool idFromScan = false;  // appendId was decided by the scan, not asked for by the compiler
  // Original byte ranges of string literals to wrap as `(<field> = "...")`, by start.
  struct Wrap {
    uint32_t end;
    std::string field;
    bool fromScan;  // decided by the scan, not asked for by the compiler
  };
  std::map<uint32_t, Wrap> wraps;
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
  std::optional<SourceScan> scan;        // for files that may be schemas
  std::optional<uint32_t> appendedIdAt;  // where the appended ID starts in `rewritten`
};

uint64_t derivedFileId(std::string_view key) {
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash | (1ull << 63);  // file IDs must have the top bit set
}

struct Token {
  enum Kind { kIdentifier, kNumber, kString, kSymbol } kind;
  uint32_t start;
  uint32_t end;
};

// Splits capnp source into tokens the way the capnp lexer does as far as it matters here:
// `#` comments and whitespace are skipped, `"..."` (one line, backslash escapes) is one token,
// identifiers and numbers are runs of letters, digits and `_`, anything else is one symbol.
std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  auto isWordChar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    char c = text[i];
    if (c == '#') {
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    Token::Kind kind = Token::kSymbol;
    if (c == '"') {
      ++i;
      while (i < n && text[i] != '"' && text[i] != '\n') {
        if (text[i] == '\\' && i + 1 < n && text[i + 1] != '\n') ++i;  // escaped character
        ++i;
      }
      if (i < n && text[i] == '"') ++i;  // a string does not continue past the line's end
      kind = Token::kString;
    } else if (isWordChar(c)) {
      kind = std::isdigit(static_cast<unsigned char>(c)) ? Token::kNumber : Token::kIdentifier;
      while (i < n && isWordChar(text[i])) ++i;
    } else {
      ++i;
    }
    tokens.push_back({kind, static_cast<uint32_t>(start), static_cast<uint32_t>(i)});
  }
  return tokens;
}

SourceScan scanSource(std::string_view text) {
  SourceScan scan;
  std::vector<Token> tokens = tokenize(text);
  auto isSymbol = [&](size_t i, char c) {
    return i < tokens.size() && tokens[i].kind == Token::kSymbol && text[tokens[i].start] == c;
  };
  auto spelling = [&](size_t i) {
    return text.substr(tokens[i].start, tokens[i].end - tokens[i].start);
  };
  auto isKind = [&](size_t i, Token::Kind kind) {
    return i < tokens.size() && tokens[i].kind == kind;
  };
  auto isString = [&](size_t i) {  // a complete string literal
    return isKind(i, Token::kString) && spelling(i).size() >= 2 && spelling(i).back() == '"';
  };
  int depth = 0;              // (, [ and { not yet closed
  size_t statementStart = 0;  // first token of the current top-level statement
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].kind == Token::kSymbol) {
      char c = text[tokens[i].start];
      if (c == '(' || c == '[' || c == '{') {
        ++depth;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth > 0) --depth;
        if (c == '}' && depth == 0) statementStart = i + 1;  // a block ends its statement
      } else if (c == ';' && depth == 0) {
        if (i == statementStart + 2 && isSymbol(statementStart, '@') &&
            isKind(statementStart + 1, Token::kNumber)) {
          scan.declaresId = true;
        }
        statementStart = i + 1;
      }
      continue;
    }
    if (tokens[i].kind != Token::kIdentifier) continue;
    std::string_view word = spelling(i);
    if (word == "struct") {
      scan.declaresStruct = true;
    } else if ((word == "import" || word == "embed") && isString(i + 1)) {
      std::string_view literal = spelling(i + 1);
      (word == "import" ? scan.imports : scan.embeds)
          .emplace(literal.substr(1, literal.size() - 2));
    } else if (i > 0 && (isSymbol(i - 1, '(') || isSymbol(i - 1, ',')) && isSymbol(i + 1, '=') &&
               isString(i + 2) && (isSymbol(i + 3, ',') || isSymbol(i + 3, ')'))) {
      scan.stringAssignments.push_back(
          {std::string(word), tokens[i + 2].start, tokens[i + 2].end});
    }
  }
  return scan;
}

// What a plain string given for a struct-typed field stands for, from the compiled-in schema.
struct ShorthandTables {
  // Struct short name (as the compiler's "Type mismatch" names it) -> its first field, for
  // structs whose first field is Text (the only ones a string can stand for). Names shared by
  // structs that disagree are left out.
  std::map<std::string, std::string> byStructName;
  // Group field name -> the group's first field, likewise.
  std::map<std::string, std::string> byGroupField;
  // Field name -> the field a string assigned to it stands for, for the names that in every
  // struct have a struct type (or group) the shorthand applies to, always with the same first
  // field, or else a type that takes neither a string nor a struct (Void, numbers, enums,
  // lists...): a string given for such a field either needs the wrap or is an error with or
  // without it. What the scan wraps before the first pass.
  std::map<std::string, std::string> byFieldName;
};
const ShorthandTables& shorthandTables();

// Everything shared by the SchemaFiles of one parse pass.
struct ParseSession {
  const kj::ReadableDirectory* builtinDir = nullptr;
  std::vector<std::pair<const kj::ReadableDirectory*, std::string>> importDirs;  // dir, display
  std::map<std::string, FileFixups> fixups;  // by file key
  bool wrapAhead = true;              // the scan may decide string wraps
  bool sawStructDeclaration = false;  // a file the compiler read declares a struct
  std::vector<CollectedError> errors;
  std::map<std::string, FileRecord> files;  // by file key
  std::vector<std::string> fileOrder;        // keys, in first-read order
  // Where each directory files are looked up in sits, as an absolute path (the built-in one is
  // not on disk and is left out); and what the pass looked up there.
  std::map<const kj::ReadableDirectory*, kj::Path> diskDirs;
  std::vector<ConfigFileLookup> lookups;
  std::set<std::pair<std::string, bool>> lookedUp;  // (path, read)

  void noteLookup(const kj::ReadableDirectory& dir, const kj::Path& path, bool exists,
                  const kj::ArrayPtr<const kj::byte>* content = nullptr) {
    auto base = diskDirs.find(&dir);
    if (base == diskDirs.end()) return;
    std::string absolute = base->second.append(path).toString(true).cStr();
    if (!lookedUp.emplace(absolute, content != nullptr).second) return;
    ConfigFileLookup lookup{kj::mv(absolute), exists, content != nullptr, {}};
    if (content != nullptr) lookup.content.assign(content->asChars().begin(), content->size());
    lookups.push_back(kj::mv(lookup));
  }
};

std::string fileKey(const kj::ReadableDirectory& dir, const kj::Path& path) {
  return kj::str(reinterpret_cast<uintptr_t>(&dir), ":", path.toString(true)).cStr();
}

class ConfigSchemaFile final : public capnp::SchemaFile {
 public:
  ConfigSchemaFile(ParseSession& session, const kj::ReadableDirectory& dir, kj::Path path,
                   std::string displayName, bool builtin, FileRole role)
      : session(session), dir(dir), path(kj::mv(path)), displayName(kj::mv(displayName)),
        builtin(builtin), role(role), key(fileKey(dir, this->path)) {}

  kj::StringPtr getDisplayName() const override { return displayName.c_str(); }

  kj::Array<const char> readContent() const override {
    kj::Array<kj::byte> bytes = dir.openFile(path)->readAllBytes();
    kj::ArrayPtr<const kj::byte> read = bytes;
    session.noteLookup(dir, path, true, &read);
    std::string original(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
    FileRecord record{displayName, {}, {}, {},
                      !builtin && (role == FileRole::kMain || displayName.ends_with(".capnp"))};
    const FileFixups* fixups = nullptr;
    if (!builtin && role != FileRole::kEmbed) {  // embedded data is never changed
      record.scan = scanSource(original);
      FileFixups& planned = session.fixups[key];
      if (!planned.planned) planAhead(*record.scan, planned);
      fixups = &planned;
    }
    if (fixups == nullptr || (!fixups->appendId && fixups->wraps.empty())) {
      if (!builtin) record.original = original;  // errors may need it for positions / fix-ups
      remember(kj::mv(record));
      return bytes.releaseAsChars();
    }
    record.rewritten = applyFixups(original, *fixups, record);
    record.original = kj::mv(original);
    kj::Array<char> content = kj::heapArray<char>(record.rewritten.data(), record.rewritten.size());
    remember(kj::mv(record));
    return content;
  }

  kj::Maybe<kj::Own<capnp::SchemaFile>> import(kj::StringPtr importPath) const override {
    if (importPath.startsWith("/")) {
      kj::Path relative = kj::Path::parse(importPath.slice(1));
      if (session.builtinDir->exists(relative)) {
        return kj::Own<capnp::SchemaFile>(
            kj::heap<ConfigSchemaFile>(session, *session.builtinDir, kj::mv(relative),
                                       importPath.cStr(), true, FileRole::kImport));
      }
      for (auto& [importDir, importDisplay] : session.importDirs) {
        bool exists = importDir->exists(relative);
        session.noteLookup(*importDir, relative, exists);
        if (exists) {
          return kj::Own<capnp::SchemaFile>(
              kj::heap<ConfigSchemaFile>(session, *importDir, kj::mv(relative),
                                         importDisplay + importPath.cStr(), false,
                                         roleOf(importPath)));
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
      bool exists = dir.exists(*t);
      session.noteLookup(dir, *t, exists);
      if (!exists) return nullptr;
      auto slash = displayName.rfind('/');
      std::string display = slash == std::string::npos
                                ? std::string(importPath.cStr())
                                : displayName.substr(0, slash + 1) + importPath.cStr();
      return kj::Own<capnp::SchemaFile>(kj::heap<ConfigSchemaFile>(
          session, dir, kj::mv(*t), kj::mv(display), builtin, roleOf(importPath)));
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

  // How this file's text refers to `importPath`.
  FileRole roleOf(kj::StringPtr importPath) const {
    auto file = session.files.find(key);
    if (file == session.files.end() || !file->second.scan) return FileRole::kUnknown;
    const SourceScan& scan = *file->second.scan;
    bool imported = scan.imports.count(importPath.cStr()) > 0;
    bool embedded = scan.embeds.count(importPath.cStr()) > 0;
    if (imported == embedded) return FileRole::kUnknown;
    return imported ? FileRole::kImport : FileRole::kEmbed;
  }

  // Decides the fix-ups the scan can tell before the compiler runs.
  void planAhead(const SourceScan& scan, FileFixups& fixups) const {
    fixups.planned = true;
    if (scan.declaresStruct) session.sawStructDeclaration = true;
    if (role != FileRole::kMain && role != FileRole::kImport) return;  // may be embedded data
    if (!scan.declaresId) fixups.appendId = fixups.idFromScan = true;
    if (!session.wrapAhead || session.sawStructDeclaration) return;
    const auto& byFieldName = shorthandTables().byFieldName;
    for (const StringAssignment& assignment : scan.stringAssignments) {
      auto field = byFieldName.find(assignment.field);
      if (field == byFieldName.end()) continue;
      fixups.wraps.emplace(assignment.start, FileFixups::Wrap{assignment.end, field->second, true});
    }
  }

  std::string applyFixups(const std::string& original, const FileFixups& fixups,
                          FileRecord& record) const {
    Insertions& insertions = record.insertions;
    std::string out;
    size_t copied = 0;
    for (auto& [start, wrap] : fixups.wraps) {
      const auto& [end, field, fromScan] = wrap;
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
      record.appendedIdAt = out.size();
      out += kj::str("\n@0x", kj::hex(derivedFileId(key)), ";\n").cStr();
    }
    return out;
  }

  ParseSession& session;
  const kj::ReadableDirectory& dir;
  kj::Path path;
  std::string displayName;
  bool builtin;
  FileRole role;
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


// The name of a struct's first field if it is Text, else "".
std::string firstTextField(capnp::StructSchema schema) {
  auto fields = schema.getFields();
  if (fields.size() == 0 || !fields[0].getType().isText()) return {};
  return fields[0].getProto().getName().cStr();
}

// Adds name -> value; a name seen with another value, or with "", is marked ambiguous.
void addUnambiguous(std::map<std::string, std::string>& table, std::set<std::string>& ambiguous,
                    const std::string& name, const std::string& value) {
  auto [it, inserted] = table.emplace(name, value);
  if (value.empty() || it->second != value) ambiguous.insert(name);
}

const ShorthandTables& shorthandTables() {
  static const ShorthandTables* tables = [] {
    auto* t = new ShorthandTables();
    capnp::SchemaLoader loader;
    loader.loadCompiledTypeAndDependencies<Config>();
    std::vector<capnp::StructSchema> structs;
    for (capnp::Schema schema : loader.getAllLoaded()) {
      if (schema.getProto().isStruct()) structs.push_back(schema.asStruct());
    }
    std::set<std::string> ambiguousStructs, ambiguousGroups, ambiguousFields;
    for (capnp::StructSchema schema : structs) {
      addUnambiguous(t->byStructName, ambiguousStructs, schema.getShortDisplayName().cStr(),
                     firstTextField(schema));
      for (capnp::StructSchema::Field field : schema.getFields()) {
        if (field.getProto().isGroup()) {
          addUnambiguous(t->byGroupField, ambiguousGroups, field.getProto().getName().cStr(),
                         firstTextField(field.getType().asStruct()));
        }
      }
    }
    for (auto& name : ambiguousStructs) t->byStructName.erase(name);
    for (auto& name : ambiguousGroups) t->byGroupField.erase(name);
    for (capnp::StructSchema schema : structs) {
      for (capnp::StructSchema::Field field : schema.getFields()) {
        std::string name = field.getProto().getName().cStr();
        capnp::Type type = field.getType();
        if (!type.isStruct()) {
          if (type.isText() || type.isData()) ambiguousFields.insert(name);
          continue;  // other types take no string and no struct literal
        }
        bool group = field.getProto().isGroup();
        const auto& table = group ? t->byGroupField : t->byStructName;
        auto found = table.find(group ? name : type.asStruct().getShortDisplayName().cStr());
        addUnambiguous(t->byFieldName, ambiguousFields, name,
                       found == table.end() ? std::string() : found->second);
      }
    }
    for (auto& name : ambiguousFields) t->byFieldName.erase(name);
    return t;
  }();
  return *tables;
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
    auto file = session.files.find(error.fileKey);
    if (file == session.files.end()) continue;
    const FileRecord& record = file->second;
    const std::string& seen = record.insertions.empty() && record.rewritten.empty()
                                  ? record.original
                                  : record.rewritten;
    if (error.endByte > seen.size() || error.endByte < error.startByte + 2) continue;
    if (seen[error.startByte] != '"' || seen[error.endByte - 1] != '"') continue;
    uint32_t start = originalOffset(record.insertions, error.startByte);
    uint32_t end = originalOffset(record.insertions, error.endByte);
    const ShorthandTables& tables = shorthandTables();
    const std::string* field = nullptr;
    if (typeName == kGroupTypeName) {
      // The compiler names no group; the field the string was assigned to tells which it is.
      if (!record.scan) continue;
      for (const StringAssignment& assignment : record.scan->stringAssignments) {
        if (assignment.start != start) continue;
        auto found = tables.byGroupField.find(assignment.field);
        if (found != tables.byGroupField.end()) field = &found->second;
      }
    } else {
      auto found = tables.byStructName.find(typeName);
      if (found != tables.byStructName.end()) field = &found->second;
    }
    if (field == nullptr) continue;
    if (fixups.wraps.emplace(start, FileFixups::Wrap{end, *field, false}).second) added = true;
  }
  return added;
}

// Takes back the fix-ups decided by the scan that one pass's errors fall inside of. Returns true
// if any was taken back.
bool retractScannedFixups(ParseSession& session) {
  bool retracted = false;
  for (const CollectedError& error : session.errors) {
    auto fixups = session.fixups.find(error.fileKey);
    auto file = session.files.find(error.fileKey);
    if (fixups == session.fixups.end() || file == session.files.end()) continue;
    FileFixups& planned = fixups->second;
    const FileRecord& record = file->second;
    if (planned.idFromScan && record.appendedIdAt && error.startByte >= *record.appendedIdAt) {
      planned.appendId = planned.idFromScan = false;
      retracted = true;
    }
    uint32_t start = originalOffset(record.insertions, error.startByte);
    uint32_t end = std::max(originalOffset(record.insertions, error.endByte), start + 1);
    for (auto it = planned.wraps.begin(); it != planned.wraps.end();) {
      bool hit = it->second.fromScan && start < it->second.end && end > it->first;
      it = hit ? planned.wraps.erase(it) : std::next(it);
      retracted = retracted || hit;
    }
  }
  return retracted;
}

// Takes back every string wrap decided by the scan. Returns true if there was one.
bool retractScannedWraps(ParseSession& session) {
  bool retracted = false;
  for (auto& [key, planned] : session.fixups) {
    for (auto it = planned.wraps.begin(); it != planned.wraps.end();) {
      bool fromScan = it->second.fromScan;
      it = fromScan ? planned.wraps.erase(it) : std::next(it);
      retracted = retracted || fromScan;
    }
  }
  return retracted;
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
  session.diskDirs.emplace(&root, kj::Path(nullptr));
  std::vector<ConfigProblem> importPathProblems;
  for (const std::string& importPath : importPaths) {
    kj::Path dirPath = fs->getCurrentPath().eval(importPath.c_str());
    KJ_IF_MAYBE(dir, root.tryOpenSubdir(dirPath)) {
      std::string display = importPath;
      while (!display.empty() && display.back() == '/') display.pop_back();
      session.importDirs.emplace_back(dir->get(), display);
      session.diskDirs.emplace(dir->get(), kj::mv(dirPath));
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
    session.lookups.clear();
    session.lookedUp.clear();
    capnp::SchemaParser parser;
    capnp::ParsedSchema fileSchema;
    KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&] {
      fileSchema = parser.parseFile(
          kj::heap<ConfigSchemaFile>(session, root, mainPath.clone(), path, false,
                                     FileRole::kMain));
    })) {
      if (session.errors.empty()) {
        session.errors.push_back({"", path, 0, 0, exception->getDescription().cStr()});
      }
    }
    // A struct declared by the config's own files may have fields named like the compiled-in
    // schema's, so the scan's string wraps are no longer certain: parse again without them.
    if (session.sawStructDeclaration && session.wrapAhead) {
      session.wrapAhead = false;
      if (retractScannedWraps(session)) continue;
    }
    if (!session.errors.empty()) {
      if (pass < kMaxParsePasses && (retractScannedFixups(session) || planFixups(session))) {
        continue;
      }
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
    result.lookups = kj::mv(session.lookups);
    return result;
  }
}

}  // namespace colony::config
