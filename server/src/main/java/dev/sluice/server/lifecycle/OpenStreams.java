package dev.sluice.server.lifecycle;

import dev.sluice.server.relay.RelayListener;
import dev.sluice.server.relay.StreamRelay;
import dev.sluice.stream.GatewayError;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The streams being relayed now, as their relays report them (one listener shared by every relay):
 * a graceful stop cancels those that outlive its drain, and telemetry exports their count.
 * Thread-safe.
 */
public final class OpenStreams implements RelayListener {
  private final Set<StreamRelay> open = ConcurrentHashMap.newKeySet();

  @Override
  public void streamStarted(StreamRelay relay) {
    open.add(relay);
  }

  @Override
  public void streamClosed(StreamRelay relay) {
    open.remove(relay);
  }

  /** How many streams are open now. */
  public int count() {
    return open.size();
  }

  /** Ends every stream open now with {@code reason} (each in its dialect, as an upstream failure would). */
  public void cancelAll(GatewayError reason) {
    for (StreamRelay relay : List.copyOf(open)) relay.cancel(reason);
  }
}
