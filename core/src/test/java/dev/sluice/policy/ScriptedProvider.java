package dev.sluice.policy;

import dev.sluice.provider.AbstractEventStream;
import dev.sluice.provider.EventStream;
import dev.sluice.provider.Provider;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
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
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/** A provider whose calls are answered, in order, by scripted in-memory streams; it counts its calls. */
final class ScriptedProvider implements Provider {
  private final String name;
  private final Queue<Supplier<EventStream>> plans = new ConcurrentLinkedQueue<>();
  final List<ChatRequest> calls = new CopyOnWriteArrayList<>();
  final List<GatewayError> cancels = new CopyOnWriteArrayList<>();

  ScriptedProvider(String name) {
    this.name = name;
  }

  ScriptedProvider then(Supplier<EventStream> plan) {
    plans.add(plan);
    return this;
  }

  ScriptedProvider thenFail(ErrorType type, int status, Duration retryAfter) {
    return then(() -> events(new Failed(new GatewayError(type, "scripted " + status, null, null, status, retryAfter))));
  }

  ScriptedProvider thenAnswer(String... pieces) {
    return then(() -> events(answer(pieces)));
  }

  ScriptedProvider thenHang() {
    return then(() -> new Hanging(this));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<String> models() {
    return List.of("m");
  }

  @Override
  public EventStream stream(ChatRequest request) {
    calls.add(request);
    Supplier<EventStream> plan = plans.poll();
    if (plan == null) throw new AssertionError(name + " was called more often than scripted");
    return plan.get();
  }

  static StreamEvent[] answer(String... pieces) {
    var out = new StreamEvent[pieces.length + 2];
    out[0] = new Started("id-1", "upstream-m", 1);
    for (int i = 0; i < pieces.length; i++) out[i + 1] = TextDelta.content(pieces[i]);
    out[pieces.length + 1] = new Finished(FinishReason.STOP);
    return out;
  }

  /** Hands out {@code events} one per read, the last of which must be terminal. */
  EventStream events(StreamEvent... events) {
    return new AbstractEventStream() {
      private final ArrayDeque<StreamEvent> left = new ArrayDeque<>(List.of(events));

      @Override
      protected void fill(ArrayDeque<StreamEvent> out) throws GatewayException {
        StreamEvent e = left.poll();
        if (e instanceof Failed f) throw new GatewayException(f.error());
        out.add(e);
      }

      @Override
      protected void abort() {
        cancels.add(cancelReason());
      }
    };
  }

  /** Decodes all of {@code events} in its first read, as one upstream read that holds them all. */
  EventStream eventsAtOnce(StreamEvent... events) {
    return new AbstractEventStream() {
      @Override
      protected void fill(ArrayDeque<StreamEvent> out) {
        out.addAll(List.of(events));
      }

      @Override
      protected void abort() {
        cancels.add(cancelReason());
      }
    };
  }

  /** Hands out {@code first}, then sends nothing until cancelled. */
  static final class Hanging extends AbstractEventStream {
    private final CountDownLatch aborted = new CountDownLatch(1);
    private final ScriptedProvider owner;
    private final ArrayDeque<StreamEvent> first;

    Hanging(ScriptedProvider owner, StreamEvent... first) {
      this.owner = owner;
      this.first = new ArrayDeque<>(List.of(first));
    }

    @Override
    protected void fill(ArrayDeque<StreamEvent> out) {
      if (!first.isEmpty()) {
        out.add(first.poll());
        return;
      }
      try {
        aborted.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    protected void abort() {
      owner.cancels.add(cancelReason());
      aborted.countDown();
    }
  }
}
