# Interfaces for uv_async_io_test: capnp RPC, with FD passing, on the libuv-backed KJ loop.
@0xb167f5337dd9f4ce;

interface PipeMaker {
  # Echoes text back, and opens pipes whose read end travels to the caller as a file descriptor.
  echo @0 (text :Text) -> (text :Text);
  openPipe @1 () -> (reader :FdHolder);
}

interface FdHolder {
  # A capability whose server side carries a file descriptor (Capability::Server::getFd()).
  describe @0 () -> (text :Text);
}
