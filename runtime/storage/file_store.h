// A directory of records, each one file holding a one-line JSON header and a body. Shared by
// every process that opens the same directory: writes go to a temporary file renamed into place
// (readers see the old record or the new one, never a mix), and a record's file name is the
// SHA-256 of its key, so any key (any length, any bytes) maps to a safe name. Used by the Cache
// API (one directory shared by every runtime process of a server) and by the local backends of
// KV and R2 bindings (the directory of a `disk` service). See runtime/storage/README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colony::storage {

struct Record {
  std::string header;  // JSON text, no newline
  std::vector<unsigned char> body;
};

// Throws std::runtime_error naming the directory and the system error.
class FileStore {
 public:
  // `durable`: a write or removal is on disk (the file's data and the directory entry synced)
  // before it returns, for records that are the only copy of a user's data (KV and R2 on disk);
  // the Cache API's records, which can be fetched again, are not synced.
  explicit FileStore(std::string dir, bool durable = false);
  const std::string& dir() const { return dir_; }

  // The record stored under `key`; nullopt when there is none. With `touch`, marks it as used
  // now (eviction removes the least recently used first).
  std::optional<Record> read(std::string_view key, bool touch = false) const;
  // The header of the record under `key` and where its body lies in its file, without reading
  // the body; nullopt when there is none.
  struct Located {
    std::string header;
    uint64_t bodyOffset;
    uint64_t bodySize;
    uint64_t inode;  // identifies this version of the record for readBody()
  };
  std::optional<Located> locate(std::string_view key) const;
  // `length` bytes of the body of the record located as `inode`, from `offset`; throws
  // std::runtime_error when the record was replaced or removed since.
  std::vector<unsigned char> readBody(std::string_view key, uint64_t inode, uint64_t offset,
                                      uint64_t length) const;
  // Stores a record under `key`, replacing any other atomically.
  void write(std::string_view key, std::string_view header, const unsigned char* body,
             size_t size) const;
  // Stores under `key` a record whose body is the bodies of `source`'s records `keys`, in order,
  // copied file to file (never whole in memory); replaces any other atomically. Throws
  // std::runtime_error when one of them is missing.
  void writeConcatenated(std::string_view key, std::string_view header, const FileStore& source,
                         const std::vector<std::string>& keys) const;
  // Removes the record; false when there was none.
  bool remove(std::string_view key) const;
  // The headers of every record (bodies are not read), in no particular order.
  std::vector<std::string> headers() const;

  // Total bytes of every record file.
  uint64_t totalBytes() const;
  // When the records take more than `maxBytes`, removes the least recently used ones until they
  // take at most 90 % of it. Only one process sweeps a directory at a time (others skip).
  void evict(uint64_t maxBytes) const;

  // File name of a key's record (hex SHA-256).
  static std::string fileName(std::string_view key);

 private:
  std::string pathOf(std::string_view key) const;
  int createTemp(std::string& temp) const;
  void publish(const std::string& temp, const std::string& path) const;
  std::string dir_;
  bool durable_;
};

}  // namespace colony::storage
