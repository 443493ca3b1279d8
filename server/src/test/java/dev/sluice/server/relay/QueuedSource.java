package dev.sluice.server.relay;

import dev.sluice.provider.EventStream;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An upstream stream the test feeds event by event: {@link #next()} blocks until the test pushes
 * one. A cancel wins as a real stream's does: the next read returns {@code Failed(reason)}.
 */
final class QueuedSource implements EventStream {
  /** Wakes a blocked read after a cancel; never handed out. */
  private static final StreamEvent WAKE = TextDelta.content("");

  private final LinkedBlockingQueue<StreamEvent> queue = new LinkedBlockingQueue<>();
  private final AtomicReference<GatewayError> cancelReason = new AtomicReference<>();
  final List<GatewayError> cancels = new CopyOnWriteArrayList<>();
  final CountDownLatch cancelled = new CountDownLatch(1);
  final CountDownLatch closed = new CountDownLatch(1);
  private boolean ended;

  QueuedSource push(StreamEvent... events) {
    queue.addAll(List.of(events));
    return this;
  }

  /** Whether a cancel came within {@code wait}. */
  boolean awaitCancel(Duration wait) throws InterruptedException {
    return cancelled.await(wait.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public StreamEvent next() {
    if (ended) return null;
    StreamEvent event;
    try {
      event = cancelReason.get() != null ? WAKE : queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      event = new Failed(GatewayError.of(ErrorType.INTERNAL, "interrupted"));
    }
    GatewayError reason = cancelReason.get();
    if (reason != null) event = new Failed(reason);
    if (event.isTerminal()) ended = true;
    return event;
  }

  /** Ready while pushed events wait, as a real stream is while decoded ones do. */
  @Override
  public boolean ready() {
    return !ended && (!queue.isEmpty() || cancelReason.get() != null);
  }

  @Override
  public void cancel(GatewayError reason) {
    cancels.add(reason);
    if (!cancelReason.compareAndSet(null, reason)) return;
    queue.add(WAKE);
    cancelled.countDown();
  }

  @Override
  public void close() {
    closed.countDown();
  }
}
