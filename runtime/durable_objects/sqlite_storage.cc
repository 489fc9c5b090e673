// A Durable Object's storage: one SQLite database per object (":memory:" for inMemory, a file
// for localDisk). The key-value API, alarms and the SQL API of runtime/js/durable_objects.js all
// run on ops.sqlExec. Calls are synchronous: a write is in the database (the WAL) before the op
// returns, so no response can leave before the writes made before it.
//
//   ops.sqlOpen(path) -> db handle            ("" = in memory)
//   ops.sqlExec(db, sql, bindings, internal)   -> {columnNames, rows, rowsRead, rowsWritten}
//   ops.sqlClose(db)
//   ops.sqlDatabaseSize(db) -> bytes
//
// User SQL (internal = false) may not touch tables named _cf_*, where the key-value pairs and the
// alarm are kept.
#include <dirent.h>
#include <sqlite3.h>
#include <strings.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/durable_objects/object_host.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::durable_objects {

namespace {

const char* codeName(int code) {
  switch (code & 0xff) {
    case SQLITE_ERROR: return "SQLITE_ERROR";
    case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT";
    case SQLITE_AUTH: return "SQLITE_AUTH";
    case SQLITE_MISMATCH: return "SQLITE_MISMATCH";
    case SQLITE_RANGE: return "SQLITE_RANGE";
    case SQLITE_TOOBIG: return "SQLITE_TOOBIG";
    case SQLITE_FULL: return "SQLITE_FULL";
    case SQLITE_IOERR: return "SQLITE_IOERR";
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
    case SQLITE_BUSY: return "SQLITE_BUSY";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    default: return "SQLITE_ERROR";
  }
}

struct Database {
  sqlite3* db = nullptr;
  bool internal = false;  // the call in progress comes from the built-ins
  std::map<std::string, sqlite3_stmt*> cache;

  ~Database() {
    for (auto& [sql, stmt] : cache) sqlite3_finalize(stmt);
    if (db != nullptr) sqlite3_close_v2(db);
  }
  void close() {
    for (auto& [sql, stmt] : cache) sqlite3_finalize(stmt);
    cache.clear();
    if (db != nullptr) sqlite3_close_v2(db);
    db = nullptr;
  }
};

const api::HandleKind kDatabaseHandle{"sqlite database"};

Database* unwrapDatabase(v8::Local<v8::Value> value) {
  auto* db = api::unwrapHandle<std::shared_ptr<Database>>(value, kDatabaseHandle);
  return db == nullptr ? nullptr : db->get();
}

bool isReserved(const char* name) { return name != nullptr && strncasecmp(name, "_cf_", 4) == 0; }

int authorize(void* data, int action, const char* a, const char* b, const char*, const char*) {
  auto* database = static_cast<Database*>(data);
  if (database->internal) return SQLITE_OK;
  switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      return SQLITE_DENY;
    case SQLITE_CREATE_TABLE: case SQLITE_DROP_TABLE: case SQLITE_INSERT: case SQLITE_UPDATE:
    case SQLITE_DELETE: case SQLITE_READ: case SQLITE_ALTER_TABLE: case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_DROP_TEMP_TABLE:
      return isReserved(a) ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_CREATE_INDEX: case SQLITE_DROP_INDEX: case SQLITE_CREATE_TRIGGER:
    case SQLITE_DROP_TRIGGER:
      return isReserved(a) || isReserved(b) ? SQLITE_DENY : SQLITE_OK;
    default:
      return SQLITE_OK;
  }
}

void throwSqlite(v8::Isolate* isolate, sqlite3* db, int code) {
  std::string message = sqlite3_errmsg(db);
  message += ": ";
  message += codeName(code);
  js::throwError(isolate, message);
}

// ops.sqlOpen(path)
void sqlOpen(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto path = js::toStdString(isolate, info[0]);
  auto database = std::make_shared<Database>();
  int rc = sqlite3_open_v2(path.empty() ? ":memory:" : path.c_str(), &database->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "Durable Object storage: cannot open " + path + ": " +
                          (database->db ? sqlite3_errmsg(database->db) : sqlite3_errstr(rc));
    return js::throwError(isolate, message);
  }
  sqlite3_extended_result_codes(database->db, 1);
  if (!path.empty()) {
    sqlite3_exec(database->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr,
                 nullptr, nullptr);
  }
  sqlite3_set_authorizer(database->db, &authorize, database.get());
  info.GetReturnValue().Set(api::wrapHandle(worker, kDatabaseHandle, kj::mv(database)));
}

void sqlClose(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* database = unwrapDatabase(info[0]);
  if (database != nullptr) database->close();
}

bool bindValue(v8::Isolate* isolate, sqlite3_stmt* stmt, int index, v8::Local<v8::Value> value) {
  int rc;
  if (value->IsNullOrUndefined()) {
    rc = sqlite3_bind_null(stmt, index);
  } else if (value->IsNumber()) {
    double d = value.As<v8::Number>()->Value();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) <= 9007199254740991.0) {
      rc = sqlite3_bind_int64(stmt, index, static_cast<sqlite3_int64>(d));
    } else {
      rc = sqlite3_bind_double(stmt, index, d);
    }
  } else if (value->IsBigInt()) {
    bool lossless = true;
    auto n = value.As<v8::BigInt>()->Int64Value(&lossless);
    if (!lossless) {
      js::throwTypeError(isolate, "A BigInt bound to a SQL statement must fit in 64 bits.");
      return false;
    }
    rc = sqlite3_bind_int64(stmt, index, n);
  } else if (value->IsBoolean()) {
    rc = sqlite3_bind_int(stmt, index, value->IsTrue() ? 1 : 0);
  } else if (value->IsString()) {
    auto s = js::toStdString(isolate, value);
    rc = sqlite3_bind_text(stmt, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  } else if (value->IsArrayBuffer() || value->IsArrayBufferView()) {
    auto bytes = js::bytesOf(value);
    rc = sqlite3_bind_blob(stmt, index, bytes.size() ? bytes.begin() : (const kj::byte*)"",
                           static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  } else {
    js::throwTypeError(isolate, "Unsupported type of value bound to a SQL statement: " +
                                    js::describeValue(isolate, isolate->GetCurrentContext(), value) +
                                    " (use null, a number, a bigint, a string or an ArrayBuffer).");
    return false;
  }
  if (rc != SQLITE_OK) {
    throwSqlite(isolate, sqlite3_db_handle(stmt), rc);
    return false;
  }
  return true;
}

v8::Local<v8::Value> columnValue(v8::Isolate* isolate, sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER: {
      auto n = sqlite3_column_int64(stmt, i);
      return v8::Number::New(isolate, static_cast<double>(n));
    }
    case SQLITE_FLOAT:
      return v8::Number::New(isolate, sqlite3_column_double(stmt, i));
    case SQLITE_TEXT: {
      auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return js::str(isolate, std::string_view(text, sqlite3_column_bytes(stmt, i)));
    }
    case SQLITE_BLOB: {
      auto* data = static_cast<const kj::byte*>(sqlite3_column_blob(stmt, i));
      int size = sqlite3_column_bytes(stmt, i);
      return js::newArrayBuffer(isolate, kj::arrayPtr(data, size));
    }
    default:
      return v8::Null(isolate);
  }
}

// ops.sqlExec(db, sql, bindings, internal)
void sqlExec(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto* database = unwrapDatabase(info[0]);
  if (database == nullptr || database->db == nullptr) {
    return js::throwError(isolate, "This Durable Object's storage is closed.");
  }
  auto sql = js::toStdString(isolate, info[1]);
  v8::Local<v8::Array> bindings =
      info[2]->IsArray() ? info[2].As<v8::Array>() : v8::Array::New(isolate, 0);
  bool internal = info[3]->IsTrue();
  database->internal = internal;
  struct Reset {
    Database* d;
    ~Reset() { d->internal = false; }
  } reset{database};

  uint32_t nextBinding = 0;
  std::vector<v8::Local<v8::Value>> columns;
  std::vector<v8::Local<v8::Value>> rows;
  double rowsRead = 0, rowsWritten = 0;
  const char* tail = sql.c_str();
  const char* end = sql.c_str() + sql.size();
  bool first = true;
  while (tail < end) {
    sqlite3_stmt* stmt = nullptr;
    bool cached = false;
    const char* next = nullptr;
    if (first && internal) {
      auto it = database->cache.find(sql);
      if (it != database->cache.end()) {
        stmt = it->second;
        cached = true;
        next = end;
      }
    }
    if (stmt == nullptr) {
      int rc = sqlite3_prepare_v2(database->db, tail, static_cast<int>(end - tail), &stmt, &next);
      if (rc != SQLITE_OK) return throwSqlite(isolate, database->db, rc);
      if (stmt == nullptr) {  // only whitespace or a comment left
        tail = next;
        continue;
      }
      if (first && internal && next == end && database->cache.size() < 64) {
        database->cache.emplace(sql, stmt);
        cached = true;
      }
    }
    first = false;
    struct Finish {
      sqlite3_stmt* stmt;
      bool cached;
      ~Finish() {
        if (cached) {
          sqlite3_reset(stmt);
          sqlite3_clear_bindings(stmt);
        } else {
          sqlite3_finalize(stmt);
        }
      }
    } finish{stmt, cached};
    int params = sqlite3_bind_parameter_count(stmt);
    for (int p = 1; p <= params; p++) {
      if (nextBinding >= bindings->Length()) {
        return js::throwError(isolate, "Wrong number of parameter bindings for SQL query.");
      }
      v8::Local<v8::Value> value;
      if (!bindings->Get(context, nextBinding++).ToLocal(&value)) return;
      if (!bindValue(isolate, stmt, p, value)) return;
    }
    bool last = next >= end || std::string_view(next, end - next).find_first_not_of(" \t\r\n;") ==
                                   std::string_view::npos;
    int ncols = sqlite3_column_count(stmt);
    if (last) {
      columns.clear();
      for (int i = 0; i < ncols; i++) columns.push_back(js::str(isolate, sqlite3_column_name(stmt, i)));
    }
    bool readonly = sqlite3_stmt_readonly(stmt);
    auto changesBefore = sqlite3_total_changes64(database->db);
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return throwSqlite(isolate, database->db, rc);
      rowsRead++;
      if (last) {
        std::vector<v8::Local<v8::Value>> row;
        row.reserve(ncols);
        for (int i = 0; i < ncols; i++) row.push_back(columnValue(isolate, stmt, i));
        rows.push_back(v8::Array::New(isolate, row.data(), row.size()));
      }
    }
    if (!readonly) rowsWritten += static_cast<double>(sqlite3_total_changes64(database->db) - changesBefore);
    tail = next;
  }
  if (nextBinding < bindings->Length()) {
    return js::throwError(isolate, "Wrong number of parameter bindings for SQL query.");
  }
  auto out = v8::Object::New(isolate);
  (void)out->Set(context, js::str(isolate, "columnNames"),
                 v8::Array::New(isolate, columns.data(), columns.size()));
  (void)out->Set(context, js::str(isolate, "rows"), v8::Array::New(isolate, rows.data(), rows.size()));
  (void)out->Set(context, js::str(isolate, "rowsRead"), v8::Number::New(isolate, rowsRead));
  (void)out->Set(context, js::str(isolate, "rowsWritten"), v8::Number::New(isolate, rowsWritten));
  info.GetReturnValue().Set(out);
}

// ops.sqlDatabaseSize(db) -> bytes used by the database
void sqlDatabaseSize(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto* database = unwrapDatabase(info[0]);
  if (database == nullptr || database->db == nullptr) return;
  sqlite3_int64 pages = 0, pageSize = 0;
  sqlite3_stmt* stmt;
  if (sqlite3_prepare_v2(database->db, "PRAGMA page_count", -1, &stmt, nullptr) == SQLITE_OK) {
    if (sqlite3_step(stmt) == SQLITE_ROW) pages = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
  }
  if (sqlite3_prepare_v2(database->db, "PRAGMA page_size", -1, &stmt, nullptr) == SQLITE_OK) {
    if (sqlite3_step(stmt) == SQLITE_ROW) pageSize = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
  }
  info.GetReturnValue().Set(v8::Number::New(isolate, static_cast<double>(pages * pageSize)));
}

// ops.sqlStoredAlarms(directory) -> [[id, time], ...]: the objects of a localDisk namespace
// directory that have an alarm set (read at start-up, so alarms fire after a restart).
void sqlStoredAlarms(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto directory = js::toStdString(isolate, info[0]);
  auto out = v8::Array::New(isolate);
  uint32_t n = 0;
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) {
    info.GetReturnValue().Set(out);
    return;
  }
  while (auto* ent = readdir(dir)) {
    std::string file = ent->d_name;
    if (file.size() != 64 + 7 || file.compare(64, 7, ".sqlite") != 0) continue;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2((directory + "/" + file).c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
        SQLITE_OK) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT value FROM _cf_METADATA WHERE key = 1", -1, &stmt,
                             nullptr) == SQLITE_OK) {
        if (sqlite3_step(stmt) == SQLITE_ROW) {
          v8::Local<v8::Value> pair[] = {
              js::str(isolate, file.substr(0, 64)),
              v8::Number::New(isolate, sqlite3_column_double(stmt, 0))};
          (void)out->Set(context, n++, v8::Array::New(isolate, pair, 2));
        }
        sqlite3_finalize(stmt);
      }
    }
    if (db != nullptr) sqlite3_close_v2(db);
  }
  closedir(dir);
  info.GetReturnValue().Set(out);
}

}  // namespace

void installSqliteStorageOps(Worker& worker, v8::Local<v8::Object> ops) {
  api::setOp(worker, ops, "sqlOpen", &sqlOpen);
  api::setOp(worker, ops, "sqlExec", &sqlExec);
  api::setOp(worker, ops, "sqlClose", &sqlClose);
  api::setOp(worker, ops, "sqlDatabaseSize", &sqlDatabaseSize);
  api::setOp(worker, ops, "sqlStoredAlarms", &sqlStoredAlarms);
}

}  // namespace colony::durable_objects
