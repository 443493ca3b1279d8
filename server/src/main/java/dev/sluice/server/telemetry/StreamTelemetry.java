package dev.sluice.server.telemetry;

import dev.sluice.server.relay.RelayListener;
import dev.sluice.stream.Started;

/**
 * The stream a relay reads, as telemetry sees it: the model that answered, and each chunk timed
 * (first token, gaps between chunks). On the relay's thread.
 */
final class StreamTelemetry implements RelayListener {
  private final RequestTelemetry request;

  StreamTelemetry(RequestTelemetry request) {
    this.request = request;
  }

  @Override
  public void upstreamStarted(Started started) {
    request.started(started.model());
  }

  @Override
  public void chunkRead(long nanoTime) {
    request.chunk(nanoTime);
  }
}
