package dev.sluice.provider;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.StreamEvent;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The bookkeeping every {@link EventStream} shares: a small queue of decoded events, exactly one
 * terminal event, and a sticky first failure that a concurrent {@link #cancel} wins.
 *
 * <p>Subclasses implement {@link #fill}, which reads the upstream and appends at least one event,
 * and {@link #abort}, which unblocks a read in progress from another thread.
 */
public abstract class AbstractEventStream implements EventStream {

  private final AtomicReference<GatewayError> cancelReason = new AtomicReference<>();
  /** One upstream chunk decodes to a handful of events at most; the queue never grows past that. */
  private final ArrayDeque<StreamEvent> pending = new ArrayDeque<>(8);
  private boolean ended;
  private boolean released;

  @Override
  public final StreamEvent next() {
    if (ended) return null;
    while (true) {
      GatewayError cancelled = cancelReason.get();
      if (cancelled != null) return end(new Failed(cancelled));
      StreamEvent event = pending.poll();
      if (event != null) return event.isTerminal() ? end(event) : event;
      try {
        int before = pending.size();
        fill(pending);
        // A cancel may wake fill() before it decoded anything: the loop's head reports it.
        if (pending.size() == before && cancelReason.get() == null) {
          return end(new Failed(GatewayError.of(ErrorType.INTERNAL, "stream produced no event")));
        }
      } catch (GatewayException e) {
        GatewayError first = cancelReason.get();
        return end(new Failed(first != null ? first : e.error()));
      } catch (IOException | RuntimeException e) {
        GatewayError first = cancelReason.get();
        return end(new Failed(first != null ? first : failureOf(e)));
      }
    }
  }

  /** Events already decoded wait, or a cancel does; else what {@link #fillWouldNotBlock} says. */
  @Override
  public final boolean ready() {
    return !ended && (!pending.isEmpty() || cancelReason.get() != null || fillWouldNotBlock());
  }

  /** Whether {@link #fill} would return at once (a simulation that is not paced). Default: false. */
  protected boolean fillWouldNotBlock() {
    return false;
  }

  /**
   * Reads from the upstream until at least one event can be appended to {@code out}, and appends it
   * (more than one is fine). Appends a terminal event at the end of the stream; throws when the
   * upstream fails. Called only by the reading thread.
   */
  protected abstract void fill(ArrayDeque<StreamEvent> out) throws IOException, GatewayException;

  /** Unblocks a {@link #fill} in progress and closes the upstream connection. Called at most once. */
  protected abstract void abort();

  /** Releases resources after the terminal event on the reading thread's normal path. Default: nothing. */
  protected void release() {}

  /** The error an I/O failure stands for; a cancel that came first has already won. */
  protected GatewayError failureOf(Exception e) {
    String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return GatewayError.of(ErrorType.UPSTREAM_ERROR, "upstream connection failed: " + detail);
  }

  /** The reason this stream was cancelled, or null. */
  protected final GatewayError cancelReason() {
    return cancelReason.get();
  }

  @Override
  public final void cancel(GatewayError reason) {
    if (reason == null) throw new IllegalArgumentException("reason is required");
    if (cancelReason.compareAndSet(null, reason)) abort();
  }

  @Override
  public final void close() {
    if (!ended) cancel(GatewayError.of(ErrorType.CANCELLED, "stream closed before its end"));
    if (!released) {
      released = true;
      release();
    }
  }

  private StreamEvent end(StreamEvent terminal) {
    ended = true;
    pending.clear();
    if (!released) {
      released = true;
      release();
    }
    return terminal;
  }
}
