# One entry of the compiled-config cache (config/config_cache.h): a text config's compiled form
# and every file lookup its compilation depended on, so that a later load can tell, by comparing
# contents, that compiling again would give the same result.
@0xc87988ae13361d17;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("colony::config::cache");

struct CompiledConfig {
  key @0 :Text;
  # What the entry was compiled for (config_cache.cc: configCacheKey); its file name is a hash of
  # it, so it is compared in full.

  lookups @1 :List(FileLookup);
  # Every file the compiler looked for or read, outside the schemas compiled into Colony.

  constName @2 :Text;
  sources @3 :List(SourceFile);
  config @4 :Data;
  # The canonical Config message, one segment.
}

struct FileLookup {
  path @0 :Text;
  # Absolute.

  exists @1 :Bool;
  # Whether the path existed (as anything: a file, a directory).

  read @2 :Bool;
  content @3 :Data;
  # When `read`, the file's whole content then.
}

struct SourceFile {
  displayName @0 :Text;
  text @1 :Data;
}
