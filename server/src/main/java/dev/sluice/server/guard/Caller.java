package dev.sluice.server.guard;

/** Who is calling, as {@link Guard#authenticate} found it. */
public sealed interface Caller {
  /** Auth is off: anyone. */
  record Open() implements Caller {}

  /** The admin key. */
  record Admin() implements Caller {}

  /** A virtual key. */
  record Key(VirtualKey key) implements Caller {}
}
