package dev.sluice.server.resume;

import dev.sluice.provider.EventStream;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.StreamEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The upstream of a resumable stream, as far as the stream's own code reaches it: it is only ever
 * cancelled (the generator that reads it is the relay's, and not under test here).
 */
final class CancelRecordingSource implements EventStream {
  /** The first reason, completed by the first cancel. */
  final CompletableFuture<GatewayError> cancelled = new CompletableFuture<>();
  final AtomicInteger cancels = new AtomicInteger();
  private volatile long cancelledAtNanos;

  @Override
  public StreamEvent next() {
    throw new UnsupportedOperationException("no generator reads this upstream");
  }

  @Override
  public void cancel(GatewayError reason) {
    if (cancels.getAndIncrement() == 0) {
      cancelledAtNanos = System.nanoTime();
      cancelled.complete(reason);
    }
  }

  /** {@link System#nanoTime()} of the first cancel. */
  long cancelledAtNanos() {
    return cancelledAtNanos;
  }

  @Override
  public void close() {}
}
