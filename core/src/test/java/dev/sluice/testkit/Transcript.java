package dev.sluice.testkit;

import dev.sluice.provider.EventStream;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Every canonical event of one {@link EventStream}, read to its end, with the stream's invariants
 * checked: at most one {@link Started}, first; exactly one terminal event, last; {@code next()}
 * returns null after it. Accessors summarise the events the way assertions need them.
 */
public final class Transcript {

  /** One tool call, its fragments put together. */
  public record Call(int index, String id, String name, String arguments) {}

  private final List<StreamEvent> events;

  private Transcript(List<StreamEvent> events) {
    this.events = List.copyOf(events);
    check();
  }

  /**
   * Reads {@code stream} to its end on a separate thread; if that takes longer than {@code timeout},
   * cancels the stream and fails the test.
   */
  public static Transcript drain(EventStream stream, Duration timeout) {
    CompletableFuture<List<StreamEvent>> read = new CompletableFuture<>();
    Thread.ofVirtual().name("transcript-reader").start(() -> {
      try {
        List<StreamEvent> seen = new ArrayList<>();
        StreamEvent event;
        while ((event = stream.next()) != null) {
          seen.add(event);
          if (seen.size() > 1_000_000) throw new AssertionError("stream never ends");
        }
        read.complete(seen);
      } catch (Throwable t) {
        read.completeExceptionally(t);
      }
    });
    try {
      return new Transcript(read.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      stream.cancel(GatewayError.of(ErrorType.CANCELLED, "test deadline"));
      throw new AssertionError("stream did not end within " + timeout, e);
    } catch (ExecutionException e) {
      throw new AssertionError("reading the stream threw", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** A transcript of events already read (for tests that read part of a stream themselves). */
  public static Transcript of(List<StreamEvent> events) {
    return new Transcript(events);
  }

  private void check() {
    if (events.isEmpty()) throw new AssertionError("stream produced no event at all");
    for (int i = 0; i < events.size(); i++) {
      StreamEvent e = events.get(i);
      if (e.isTerminal() != (i == events.size() - 1)) {
        throw new AssertionError("terminal event not last (or last not terminal) at " + i + ": " + events);
      }
      if (e instanceof Started && i != 0) throw new AssertionError("Started at position " + i + ": " + events);
    }
  }

  public List<StreamEvent> events() {
    return events;
  }

  /** The {@link Started} event, or null if the stream failed before one. */
  public Started started() {
    return events.getFirst() instanceof Started s ? s : null;
  }

  /** The concatenated text of one channel. */
  public String text(TextDelta.Channel channel) {
    StringBuilder text = new StringBuilder();
    for (StreamEvent e : events) {
      if (e instanceof TextDelta d && d.channel() == channel) text.append(d.text());
    }
    return text.toString();
  }

  /** {@link #text(TextDelta.Channel)} of CONTENT. */
  public String content() {
    return text(TextDelta.Channel.CONTENT);
  }

  /**
   * The tool calls by index. Fails if a call's id or name is given twice, or a fragment comes for a
   * call that no fragment opened.
   */
  public List<Call> toolCalls() {
    TreeMap<Integer, String[]> calls = new TreeMap<>();
    for (StreamEvent e : events) {
      if (!(e instanceof ToolCallDelta d)) continue;
      String[] call = calls.get(d.index());
      if (call == null) {
        if (!d.opensCall()) throw new AssertionError("first fragment of call " + d.index() + " opens nothing: " + d);
        call = new String[] {null, null, ""};
        calls.put(d.index(), call);
      }
      if (d.id() != null) {
        if (call[0] != null) throw new AssertionError("call " + d.index() + " got a second id: " + d);
        call[0] = d.id();
      }
      if (d.name() != null) {
        if (call[1] != null) throw new AssertionError("call " + d.index() + " got a second name: " + d);
        call[1] = d.name();
      }
      call[2] += d.argumentsFragment();
    }
    List<Call> out = new ArrayList<>();
    calls.forEach((index, c) -> out.add(new Call(index, c[0], c[1], c[2])));
    return out;
  }

  /** The last usage reported, or null. */
  public Usage usage() {
    Usage last = null;
    for (StreamEvent e : events) {
      if (e instanceof UsageReport r) last = r.usage();
    }
    return last;
  }

  /** How many {@link UsageReport}s there were. */
  public long usageReports() {
    return events.stream().filter(e -> e instanceof UsageReport).count();
  }

  public StreamEvent terminal() {
    return events.getLast();
  }

  /** The finish reason; fails if the stream failed instead. */
  public FinishReason finishReason() {
    if (terminal() instanceof Finished f) return f.reason();
    throw new AssertionError("stream failed instead of finishing: " + terminal());
  }

  /** The failure; fails if the stream finished instead. */
  public GatewayError failure() {
    if (terminal() instanceof Failed f) return f.error();
    throw new AssertionError("stream finished instead of failing: " + events);
  }
}
