@0xc01a5e7d4b2f9a61;
# Colony's configuration schema.
#
# Configs written for workerd parse against this file unchanged: struct names, field names,
# ordinals, unions, groups and defaults follow workerd's published configuration format, so a
# text config importing "/workerd/workerd.capnp" and a binary `Config` message produced for
# workerd both read the same here. Colony resolves that import to this file (it is compiled into
# the binary).
#
# A config is a `.capnp` file declaring a constant of type `Config`:
#
#     using Workerd = import "/workerd/workerd.capnp";
#     const config :Workerd.Config = (
#       services = [ (name = "main", worker = (serviceWorkerScript = embed "worker.js",
#                                              compatibilityDate = "2024-01-01")) ],
#       sockets = [ (name = "http", address = "*:8080", http = (), service = (name = "main")) ],
#     );
#
# Colony refuses, with an error naming the field, any setting it does not implement yet (see
# config/config_loader.cc, the feature table). Nothing set in a config is silently ignored.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("colony::config");

struct Config {
  # The whole server: what runs (services) and where it listens (sockets).

  services @0 :List(Service);
  # Named services. Names are only used inside the config (sockets, bindings, outbounds refer to
  # them). A service named "internet" exists implicitly unless defined here: a `network` service
  # allowing public addresses, used by `fetch()` unless a worker sets `globalOutbound`.

  sockets @1 :List(Socket);
  # Listening sockets, each exposing one service.

  v8Flags @2 :List(Text);
  # Flags handed to the JavaScript engine, e.g. "--expose-gc". Engine-version specific.

  extensions @3 :List(Extension);
  # Module bundles made available to every worker.

  autogates @4 :List(Text);
  # Names of runtime feature gates to switch on.

  structuredLogging @5 :Bool = false;
  # Emit logs as JSON objects. Superseded by `logging.structuredLogging`.

  logging @6 :LoggingOptions;
  # Log format and prefixes for console output and the standard streams.

  cluster @7 :ClusterConfig;
  # Membership of a multi-instance cluster sharing Durable Objects through a bucket.
}

struct ClusterConfig {
  # Settings for an instance taking part in a cluster.

  bucket @0 :Text;
  # URL of the bucket holding the cluster's shared state.

  bucketOptions @1 :List(Text);
  # Options for the bucket client.

  address @2 :Text;
  # Address on which this instance accepts requests forwarded by other instances.

  advertise @4 :Text;
  # Address other instances should use to reach this one, if it differs from `address`.

  key @3 :Text;
  # Shared secret authenticating instances to each other.

  unsafePublicAddress @5 :Bool = false;
  # Permit `address` to be publicly routable.

  stopTimeoutMs @6 :UInt32 = 8000;
  # How long a stopping instance waits to hand over its objects.

  unsafeTimeDivisor @7 :UInt32 = 1;
  # Divides lease timings, for tests.
}

struct LoggingOptions {
  structuredLogging @0 :Bool = false;
  # Emit logs as JSON objects.

  stdoutPrefix @1 :Text;
  # Text put before each line written to standard output.

  stderrPrefix @2 :Text;
  # Text put before each line written to standard error.
}

# ----------------------------------------------------------------------------------------------
# Sockets

struct Socket {
  name @0 :Text;
  # Unique name; the command line can supply or replace the address by this name
  # (`-s NAME=ADDRESS`, `-S NAME=FD`).

  address @1 :Text;
  # Where to listen. Forms: "*:8080" (every interface), "127.0.0.1:8080", "[::1]:8080",
  # "localhost:8080" (a name, resolved), an address without a port (the protocol's default port),
  # "unix:/path/to/socket", "unix-abstract:name". May be left out when given on the command line.

  union {
    http @2 :HttpOptions;
    # Plain HTTP.

    https :group {
      # HTTP over TLS.
      options @3 :HttpOptions;
      tlsOptions @4 :TlsOptions;
    }

    tcp :group {
      # Raw TCP connections, delivered to the service's `connect()` handler.
      tlsOptions @6 :TlsOptions;

      tlsMode @9 :TcpTlsMode = implicit;
      # When TLS applies to accepted connections (only meaningful with `tlsOptions`).
    }

    udp :group {
      # UDP datagrams, grouped by peer into flows delivered to `connect()`.

      idleTimeoutMs @7 :UInt32 = 30000;
      # A peer's flow ends after this long without a datagram.

      maxPendingBytes @8 :UInt32 = 262144;
      # Datagrams beyond this many queued bytes for one flow are dropped.
    }
  }

  service @5 :ServiceDesignator;
  # The service that handles connections on this socket.

  enum TcpTlsMode {
    implicit @0;
    # Handshake immediately on accept.

    startTls @1;
    # Start in plaintext; the handler upgrades with `startTls()`.
  }
}

# ----------------------------------------------------------------------------------------------
# Services

struct Service {
  name @0 :Text;
  # Unique name, referred to by sockets, bindings and outbounds.

  union {
    unspecified @1 :Void;
    # Not valid in a finished config; every service says what it is.

    worker @2 :Worker;
    # JavaScript / WebAssembly code.

    network @3 :Network;
    # Outbound access to a range of network addresses.

    external @4 :ExternalServer;
    # One fixed remote server.

    disk @5 :DiskDirectory;
    # A directory on local disk, served over HTTP.

    bucket @6 :ClusterBucket;
    # A directory inside the cluster bucket.

    assets @7 :AssetsService;
    # Static assets served in front of a worker.
  }
}

struct ClusterBucket {
  path @0 :Text;
  # Directory within the cluster bucket.
}

struct AssetsService {
  path @0 :Text;
  # Directory of asset files.

  config @1 :Text;
  # JSON options for asset serving.

  userWorker @2 :ServiceDesignator;
  # Worker that handles requests no asset matches.

  compatibilityDate @3 :Text;
  compatibilityFlags @4 :List(Text);
}

struct ServiceDesignator {
  # Names a service (and optionally one of its entrypoints) from elsewhere in the config.
  # Colony's loader also accepts a plain string here, meaning `(name = "...")`.

  name @0 :Text;
  # A name from `Config.services`.

  entrypoint @1 :Text;
  # A named export of the target worker to use instead of its default export.

  props :union {
    # Value the target sees as `ctx.props`.

    empty @2 :Void;
    # An empty object (the default).

    json @3 :Text;
    # A JSON document.
  }
}

struct WorkflowsEngine {
  actorClass @0 :ServiceDesignator;
  # Durable Object class running workflow instances.

  workflows @1 :List(Workflow);

  struct Workflow {
    className @0 :Text;
    name @1 :Text;
    bindingService @2 :ServiceDesignator;
  }
}

struct Worker {
  union {
    modules @0 :List(Module);
    # ES-modules syntax: the first module is the entry point, the rest can be imported by name.

    serviceWorkerScript @1 :Text;
    # Service-worker syntax: one script registering `addEventListener("fetch", ...)`.

    inherit @2 :Text;
    # Copy the named worker service's code and settings; fields set here override them.
  }

  struct Module {
    name @0 :Text;
    # The specifier other modules import this one by.

    union {
      esModule @1 :Text;
      # JavaScript ES module source.

      commonJsModule @2 :Text;
      # JavaScript using `require()` / `module.exports`.

      text @3 :Text;
      # Imports as a string.

      data @4 :Data;
      # Imports as an ArrayBuffer.

      wasm @5 :Data;
      # Imports as a compiled WebAssembly.Module.

      json @6 :Text;
      # Imports as the parsed JSON value.

      obsolete @7 :Text;
      # Retired module type.

      pythonModule @8 :Text;
      # Python source.

      obsoletePythonRequirement @9 :Text;
      # Retired Python package requirement.

      bundled @11 :Text;
      # A module built into the runtime bundle.
    }

    namedExports @10 :List(Text);
    # For CommonJS modules: export names to expose besides `default`.
  }

  compatibilityDate @3 :Text;
  # "YYYY-MM-DD": the worker gets every behaviour change made up to this date.

  compatibilityFlags @4 :List(Text);
  # Individual behaviour changes switched on or off regardless of the date.

  bindings @5 :List(Binding);
  # What the worker can reach: each becomes a property of `env` (or a global in service-worker
  # syntax).

  struct Binding {
    name @0 :Text;
    # Property / global name.

    union {
      unspecified @1 :Void;
      # Not valid in a finished config.

      parameter :group {
        # Left for an inheriting worker to fill in.
        type @2 :Type;
        optional @3 :Bool;
      }

      text @4 :Text;
      # A string.

      data @5 :Data;
      # An ArrayBuffer.

      json @6 :Text;
      # The parsed JSON value.

      wasmModule @7 :Data;
      # A compiled WebAssembly.Module (service-worker syntax).

      cryptoKey @8 :CryptoKey;
      # A WebCrypto CryptoKey.

      service @9 :ServiceDesignator;
      # A Fetcher for another service.

      durableObjectClass @26 :ServiceDesignator;
      # A Durable Object class, as a value.

      durableObjectNamespace @10 :DurableObjectNamespaceDesignator;
      # A Durable Object namespace.

      kvNamespace @11 :ServiceDesignator;
      # A KV namespace, backed by the named service.

      r2Bucket @12 :ServiceDesignator;
      # An R2 bucket, backed by the named service.

      obsolete0 @13 :ServiceDesignator;
      # Retired binding kind.

      wrapped @14 :WrappedBinding;
      # An object built by a module of an extension from inner bindings.

      queue @15 :ServiceDesignator;
      # A queue producer, backed by the named service.

      fromEnvironment @16 :Text;
      # The value of the named environment variable of the server process (a string), or
      # null when it is not set.

      analyticsEngine @17 :ServiceDesignator;
      # An Analytics Engine dataset, backed by the named service.

      hyperdrive :group {
        # A database connection configuration.
        designator @18 :ServiceDesignator;
        database @19 :Text;
        user @20 :Text;
        password @21 :Text;
        scheme @22 :Text;
      }

      unsafeEval @23 :Void;
      # Access to code evaluation at request time.

      memoryCache :group {
        # An in-memory cache shared by workers using the same id.
        id @24 :Text;
        limits @25 :MemoryCacheLimits;
      }

      workerLoader :group {
        # Loading of further workers at run time.
        id @27 :Text;
      }

      workerdDebugPort @28 :Void;
      # Debugging access to the runtime.
    }

    struct Type {
      # Kind of value a `parameter` binding expects.
      union {
        unspecified @0 :Void;
        text @1 :Void;
        data @2 :Void;
        json @3 :Void;
        wasm @4 :Void;
        cryptoKey @5 :List(CryptoKey.Usage);
        service @6 :Void;
        durableObjectNamespace @7 :Void;
        kvNamespace @8 :Void;
        r2Bucket @9 :Void;
        obsolete0 @10 :Void;
        queue @11 :Void;
        analyticsEngine @12 :Void;
        hyperdrive @13 :Void;
        durableObjectClass @14 :Void;
        workerdDebugPort @15 :Void;
      }
    }

    struct DurableObjectNamespaceDesignator {
      className @0 :Text;
      # Exported class implementing the objects.

      serviceName @1 :Text;
      # Worker service exporting the class; this worker when left out.

      obsolete2 @2 :AnyPointer;
    }

    struct CryptoKey {
      union {
        # Key material, in one of these encodings.
        raw @0 :Data;
        hex @1 :Text;
        base64 @2 :Text;
        pkcs8 @3 :Text;
        spki @4 :Text;
        jwk @5 :Text;
      }

      algorithm :union {
        # Algorithm as given to importKey(): a name, or a JSON object.
        name @6 :Text;
        json @7 :Text;
      }

      extractable @8 :Bool = false;

      usages @9 :List(Usage);

      enum Usage {
        encrypt @0;
        decrypt @1;
        sign @2;
        verify @3;
        deriveKey @4;
        deriveBits @5;
        wrapKey @6;
        unwrapKey @7;
      }
    }

    struct MemoryCacheLimits {
      maxKeys @0 :UInt32;
      maxValueSize @1 :UInt32;
      maxTotalValueSize @2 :UInt64;
    }

    struct WrappedBinding {
      moduleName @0 :Text;
      # Internal module of an extension building the value.

      entrypoint @1 :Text = "default";
      # Function exported by that module.

      innerBindings @2 :List(Binding);
      # Bindings passed to the function.
    }
  }

  globalOutbound @6 :ServiceDesignator = (name = "internet");
  # Service receiving the worker's global `fetch()` and `connect()` calls.

  cacheApiOutbound @11 :ServiceDesignator;
  # Service backing the Cache API (`caches.default`, `caches.open()`).

  durableObjectNamespaces @7 :List(DurableObjectNamespace);
  # Durable Object classes this worker exports.

  struct DurableObjectNamespace {
    className @0 :Text;

    union {
      uniqueKey @1 :Text;
      # Objects are addressable by id; the key keeps ids of different namespaces distinct.

      ephemeralLocal @2 :Void;
      # Objects live in memory only and are addressable by name only.
    }

    preventEviction @3 :Bool;
    # Keep objects in memory while idle.

    enableSql @4 :Bool;
    # Offer the SQL storage API.

    container @5 :ContainerOptions;
    # Attach a container to each object.

    struct ContainerOptions {
      imageName @0 :Text;
      privileges @1 :ContainerPrivileges;
      images @2 :List(NamedImage);

      struct NamedImage {
        name @0 :Text;
        image @1 :Text;
      }

      struct ContainerPrivileges {
        capabilities @0 :List(Text);
        devices @1 :List(Device);
        securityOpt @2 :List(Text);

        struct Device {
          pathOnHost @0 :Text;
          pathInContainer @1 :Text;
          cgroupPermissions @2 :Text;
        }
      }
    }
  }

  durableObjectUniqueKeyModifier @8 :Text;
  # Mixed into every `uniqueKey` of this worker.

  durableObjectStorage :union {
    # Where Durable Object state lives.

    none @9 :Void;
    # Nowhere: namespaces must not need storage.

    inMemory @10 :Void;
    # In memory, lost on restart.

    localDisk @12 :Text;
    # In files under the directory served by the named disk service.
  }

  moduleFallback @13 :Text;
  # Address of a service asked for modules that are not in `modules` (development use).

  tails @14 :List(ServiceDesignator);
  # Services receiving this worker's trace events after each invocation.

  streamingTails @15 :List(ServiceDesignator);
  # Services receiving this worker's trace events as they happen.

  containerEngine :union {
    # How containers attached to Durable Objects are run.
    none @16 :Void;
    localDocker @17 :DockerConfiguration;
  }

  struct DockerConfiguration {
    socketPath @0 :Text;
    containerEgressInterceptorImage @1 :Text;
    sessionId @2 :Text;
  }

  accessBlobHeader @18 :Text;
  # Request header carrying an identity blob.

  accessBindingService @19 :ServiceDesignator;
  # Service validating identity blobs.

  workflowsEngine @20 :WorkflowsEngine;
  # Workflows available to this worker.

  # --- Colony extensions ------------------------------------------------------------------------
  # Ordinals 21-49 are kept free for workerd's future Worker fields (Cap'n Proto ordinals cannot
  # skip numbers, hence the Void placeholders, which no config sets); Colony's own fields start
  # at 50, so a binary config written for a newer workerd never has its fields misread as these.

  reserved21 @21 :Void; reserved22 @22 :Void; reserved23 @23 :Void; reserved24 @24 :Void;
  reserved25 @25 :Void; reserved26 @26 :Void; reserved27 @27 :Void; reserved28 @28 :Void;
  reserved29 @29 :Void; reserved30 @30 :Void; reserved31 @31 :Void; reserved32 @32 :Void;
  reserved33 @33 :Void; reserved34 @34 :Void; reserved35 @35 :Void; reserved36 @36 :Void;
  reserved37 @37 :Void; reserved38 @38 :Void; reserved39 @39 :Void; reserved40 @40 :Void;
  reserved41 @41 :Void; reserved42 @42 :Void; reserved43 @43 :Void; reserved44 @44 :Void;
  reserved45 @45 :Void; reserved46 @46 :Void; reserved47 @47 :Void; reserved48 @48 :Void;
  reserved49 @49 :Void;

  cronTriggers @50 :List(Text);
  # Cron schedules on which Colony calls this worker's `scheduled(controller, env, ctx)` handler
  # (or dispatches a `scheduled` event to a service-worker script), e.g. ["*/5 * * * *",
  # "0 3 * * MON-FRI"]. Five fields, UTC; see README "Cron triggers". workerd has no such field.
}

struct ExternalServer {
  # A single remote server, addressed directly.

  address @0 :Text;
  # "host:port"; may be left out when given on the command line (`-e NAME=ADDRESS`).

  union {
    http @1 :HttpOptions;
    # Speak plain HTTP to it.

    https :group {
      # Speak HTTP over TLS to it.
      options @2 :HttpOptions;
      tlsOptions @3 :TlsOptions;
      certificateHost @4 :Text;
      # Host name the server's certificate must carry, when it differs from `address`.
    }

    tcp :group {
      # Forward raw connections from `connect()`.
      tlsOptions @5 :TlsOptions;
      certificateHost @6 :Text;
    }
  }
}

struct Network {
  # Access to any server whose address passes the allow and deny lists.

  allow @0 :List(Text) = ["public"];
  deny @1 :List(Text);
  # Entries are CIDR ranges ("10.0.0.0/8") or names of address classes: "public", "private",
  # "local", "network", "unix", "unix-abstract". Deny wins over allow.

  tlsOptions @2 :TlsOptions;
  # Options for HTTPS connections made through this service.
}

struct DiskDirectory {
  # A local directory served over HTTP: GET/HEAD read files, PUT/DELETE write when allowed.

  path @0 :Text;
  # Directory path; may be left out when given on the command line (`-d NAME=PATH`).

  writable @1 :Bool = false;
  # Permit PUT and DELETE.

  allowDotfiles @2 :Bool = false;
  # Permit names starting with "." (hidden otherwise).
}

struct HttpOptions {
  # How HTTP is spoken on a socket or to a server.

  style @0 :Style = host;

  enum Style {
    host @0;
    # Requests carry a path; the host is in the Host header.

    proxy @1;
    # Requests carry a full URL, as sent to an HTTP proxy.
  }

  forwardedProtoHeader @1 :Text;
  # Header holding the original URL scheme (e.g. "X-Forwarded-Proto").

  cfBlobHeader @2 :Text;
  # Header carrying the JSON of `request.cf`.

  injectRequestHeaders @3 :List(Header);
  injectResponseHeaders @4 :List(Header);
  # Headers added to (or, with an empty value, removed from) every request / response.

  struct Header {
    name @0 :Text;
    value @1 :Text;
  }

  capnpConnectHost @5 :Text;
  # CONNECT requests to this host switch the connection to Cap'n Proto RPC.
}

struct TlsOptions {
  keypair @0 :Keypair;
  # This end's certificate and key (required to serve TLS).

  struct Keypair {
    privateKey @0 :Text;
    # PEM.
    certificateChain @1 :Text;
    # PEM, leaf first.
  }

  requireClientCerts @1 :Bool = false;

  trustBrowserCas @2 :Bool = false;
  # Trust the usual public certificate authorities.

  trustedCertificates @3 :List(Text);
  # Further trusted certificates, PEM.

  minVersion @4 :Version = goodDefault;

  enum Version {
    goodDefault @0;
    ssl3 @1;
    tls1Dot0 @2;
    tls1Dot1 @3;
    tls1Dot2 @4;
    tls1Dot3 @5;
  }

  cipherList @5 :Text;
  # OpenSSL cipher list; a sensible default when left out.
}

struct Extension {
  # A bundle of modules available to all workers.

  modules @0 :List(Module);

  struct Module {
    name @0 :Text;
    # Import specifier.

    internal @1 :Bool = false;
    # Importable only by other extension modules, not by workers.

    esModule @2 :Text;
    # ES module source.
  }
}

struct FallbackServiceRequest {
  # What the module fallback service is sent when a module is missing.
  type @0 :Text;
  specifier @1 :Text;
  rawSpecifier @2 :Text;
  referrer @3 :Text;

  struct Attribute {
    name @0 :Text;
    value @1 :Text;
  }

  attributes @4 :List(Attribute);
}
