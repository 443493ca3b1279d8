package dev.sluice.server;

import dev.sluice.provider.AbstractEventStream;
import dev.sluice.provider.EventStream;
import dev.sluice.provider.Provider;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Provider {@code gate}: a stream of {@code gate/held} starts, sends one piece of text, then holds
 * until the test lets it {@link Gate#finish} or {@link Gate#fail}, or it is cancelled; a request for
 * {@code gate/broken} throws, as a bug would.
 */
final class GatedProvider implements Provider {
  private final LinkedBlockingQueue<Gate> opened = new LinkedBlockingQueue<>();
  private final AtomicInteger count = new AtomicInteger();

  @Override
  public String name() {
    return "gate";
  }

  @Override
  public List<String> models() {
    return List.of("held", "broken");
  }

  @Override
  public EventStream stream(ChatRequest request) {
    count.incrementAndGet();
    if (request.model().equals("broken")) throw new IllegalStateException("the gate is broken");
    var gate = new Gate();
    opened.add(gate);
    return gate;
  }

  /** Streams opened in all, broken ones included. */
  int openedCount() {
    return count.get();
  }

  /** The next held stream opened, waiting up to {@code timeout}. */
  Gate awaitStream(Duration timeout) throws InterruptedException {
    Gate g = opened.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (g == null) throw new AssertionError("no stream was opened within " + timeout);
    return g;
  }

  static final class Gate extends AbstractEventStream {
    private final CountDownLatch end = new CountDownLatch(1);
    private volatile boolean fail;
    private boolean started;

    /** Lets the stream end normally. */
    void finish() {
      end.countDown();
    }

    /** Lets the stream end with an upstream error. */
    void fail() {
      fail = true;
      end.countDown();
    }

    @Override
    protected void fill(ArrayDeque<StreamEvent> out) throws GatewayException {
      if (!started) {
        started = true;
        out.add(new Started("gate-1", "held", "gate", System.currentTimeMillis() / 1000));
        out.add(TextDelta.content("held"));
        return;
      }
      try {
        end.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GatewayException(GatewayError.of(ErrorType.INTERNAL, "interrupted"));
      }
      if (cancelReason() != null) return;
      if (fail) throw new GatewayException(GatewayError.of(ErrorType.UPSTREAM_ERROR, "the gate failed"));
      out.add(new Finished(FinishReason.STOP));
    }

    @Override
    protected void abort() {
      end.countDown();
    }
  }
}
