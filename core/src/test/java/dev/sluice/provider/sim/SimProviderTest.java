package dev.sluice.provider.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.EventStream;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Sampling;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.UsageReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SimProviderTest {
  static final SimProvider fast = new SimProvider(new SimConfig(0, Duration.ZERO));

  static List<StreamEvent> drain(EventStream stream) {
    var events = new ArrayList<StreamEvent>();
    for (StreamEvent e; (e = stream.next()) != null; ) events.add(e);
    return events;
  }

  static ChatRequest request(String model, String text, Integer maxTokens) {
    return new ChatRequest(model, List.of(Message.text(Role.USER, text)), List.of(), null, Sampling.DEFAULT,
        maxTokens, List.of(), null, true, false, null, null);
  }

  static String text(List<StreamEvent> events) {
    var sb = new StringBuilder();
    for (StreamEvent e : events) if (e instanceof TextDelta t) sb.append(t.text());
    return sb.toString();
  }

  @Test
  void saysTheSameTextForTheSameConversation() {
    String a = text(drain(fast.stream(request("chat", "tell me about rivers", null))));
    String b = text(drain(fast.stream(request("chat", "tell me about rivers", null))));
    String c = text(drain(fast.stream(request("chat", "tell me about mills", null))));
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
    assertThat(a.split(" ").length).isBetween(40, 119);
  }

  @Test
  void reportsExactUsageAndEndsWithFinished() {
    List<StreamEvent> events = drain(fast.stream(request("echo", "one  two three", null)));
    assertThat(events.getFirst()).isInstanceOf(Started.class);
    assertThat(text(events)).isEqualTo("one  two three");
    UsageReport usage = (UsageReport) events.get(events.size() - 2);
    assertThat(usage.usage().completionTokens()).isEqualTo(3);
    assertThat(usage.usage().promptTokens()).isEqualTo(3 + 3);
    assertThat(usage.usage().estimated()).isFalse();
    assertThat(events.getLast()).isEqualTo(new Finished(FinishReason.STOP));
  }

  @Test
  void honoursMaxTokensWithFinishReasonLength() {
    List<StreamEvent> events = drain(fast.stream(request("echo", "a b c d e", 2)));
    assertThat(text(events)).isEqualTo("a b");
    assertThat(events.getLast()).isEqualTo(new Finished(FinishReason.LENGTH));
  }

  @Test
  void cancelEndsAPacedWaitAtOnceWithTheCancelReason() throws Exception {
    EventStream stream = new SimProvider(new SimConfig(0, Duration.ofMinutes(10))).stream(request("chat", "x", null));
    var first = new CompletableFuture<StreamEvent>();
    Thread reader = Thread.ofPlatform().start(() -> first.complete(stream.next()));
    while (reader.getState() != Thread.State.TIMED_WAITING) Thread.onSpinWait(); // parked in its paced wait
    GatewayError reason = GatewayError.of(ErrorType.CANCELLED, "test cancel");
    long t0 = System.nanoTime();
    stream.cancel(reason);
    assertThat(first.get(2, TimeUnit.SECONDS)).isEqualTo(new Failed(reason));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    assertThat(stream.next()).isNull();
  }

  @Test
  void firstCancelWinsAndLaterOnesAreIgnored() {
    EventStream stream = fast.stream(request("echo", "x", null));
    GatewayError first = GatewayError.of(ErrorType.CANCELLED, "first");
    stream.cancel(first);
    stream.cancel(GatewayError.of(ErrorType.UPSTREAM_TIMEOUT, "second"));
    assertThat(drain(stream)).containsExactly(new Failed(first));
  }
}
