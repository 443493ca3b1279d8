package dev.sluice.server.telemetry;

import dev.sluice.provider.EventStream;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;

/**
 * The stream a relay reads, as telemetry sees it: each chunk is timed (first token, gaps), and the
 * stream counts as open from its creation to its close. Read by one thread; {@link #cancel} from any.
 */
final class RelayedStream implements EventStream {
  private final EventStream delegate;
  private final RequestTelemetry request;
  private final Telemetry telemetry;
  /** Only the first cancel for a client that left is timed: later ones (watch and failed write both saw it) do nothing. */
  private final java.util.concurrent.atomic.AtomicBoolean goneTimed = new java.util.concurrent.atomic.AtomicBoolean();

  RelayedStream(EventStream delegate, RequestTelemetry request, Telemetry telemetry) {
    this.delegate = delegate;
    this.request = request;
    this.telemetry = telemetry;
    telemetry.opened(this);
  }

  @Override
  public StreamEvent next() {
    StreamEvent event = delegate.next();
    if (event instanceof TextDelta || event instanceof ToolCallDelta) request.chunk(System.nanoTime());
    else if (event instanceof Started s) request.started(s.model());
    return event;
  }

  @Override
  public void cancel(GatewayError reason) {
    // A client that left is seen by the disconnect watch or by a failed write, whichever comes
    // first: either way this is where its upstream is cancelled, so this is what is timed.
    if (reason.clientGone() && goneTimed.compareAndSet(false, true)) {
      long start = System.nanoTime();
      delegate.cancel(reason);
      telemetry.disconnectCancelled(System.nanoTime() - start);
    } else {
      delegate.cancel(reason);
    }
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      telemetry.closed(this);
    }
  }
}
