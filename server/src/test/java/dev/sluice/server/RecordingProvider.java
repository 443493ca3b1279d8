package dev.sluice.server;

import dev.sluice.provider.EventStream;
import dev.sluice.provider.Provider;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.StreamEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Wraps a provider and records each stream it opens: when and why it was cancelled, and when it closed. */
final class RecordingProvider implements Provider {
  private final Provider delegate;
  private final LinkedBlockingQueue<Recorded> opened = new LinkedBlockingQueue<>();
  private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

  RecordingProvider(Provider delegate) {
    this.delegate = delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public List<String> models() {
    return delegate.models();
  }

  @Override
  public EventStream stream(ChatRequest request) {
    var recorded = new Recorded(request, delegate.stream(request));
    opened.add(recorded);
    count.incrementAndGet();
    return recorded;
  }

  /** How many upstream streams were opened in all (awaited or not). */
  int openedCount() {
    return count.get();
  }

  /** The next stream opened, waiting up to {@code timeout}. */
  Recorded awaitStream(Duration timeout) throws InterruptedException {
    Recorded r = opened.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (r == null) throw new AssertionError("no stream was opened within " + timeout);
    return r;
  }

  static final class Recorded implements EventStream {
    final ChatRequest request;
    private final EventStream delegate;
    /** Completed with {@link System#nanoTime()} at the first cancel. */
    final CompletableFuture<Long> cancelledAt = new CompletableFuture<>();
    final CompletableFuture<GatewayError> cancelReason = new CompletableFuture<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    Recorded(ChatRequest request, EventStream delegate) {
      this.request = request;
      this.delegate = delegate;
    }

    @Override
    public StreamEvent next() {
      return delegate.next();
    }

    @Override
    public boolean ready() {
      return delegate.ready();
    }

    @Override
    public void cancel(GatewayError reason) {
      if (cancelledAt.complete(System.nanoTime())) cancelReason.complete(reason);
      delegate.cancel(reason);
    }

    @Override
    public void close() {
      delegate.close();
      closed.complete(null);
    }
  }
}
