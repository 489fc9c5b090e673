@0xb3e4c2a1f0d9e8c7;
# Placeholder, replaced by the full workerd-compatible schema.
struct Config {
  services @0 :List(Text);
}
