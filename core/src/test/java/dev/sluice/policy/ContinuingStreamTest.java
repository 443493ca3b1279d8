package dev.sluice.policy;

import static dev.sluice.policy.PolicyStreams.FAST;
import static dev.sluice.policy.PolicyStreams.LONG;
import static dev.sluice.policy.PolicyStreams.NO_BREAKER;
import static dev.sluice.policy.PolicyStreams.REQUEST;
import static dev.sluice.policy.PolicyStreams.drain;
import static dev.sluice.policy.PolicyStreams.routes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.EventStream;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mid-stream failover over the retrying stream: when it continues, what of a continuation is
 * relayed, and where it stops.
 */
// A broken policy must fail a test, not hang it.
@Timeout(10)
class ContinuingStreamTest {
  private static final Failed RESET = new Failed(GatewayError.of(ErrorType.UPSTREAM_ERROR, "reset"));

  private final List<Resilience> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(Resilience::close);
  }

  /** A stream that fails over mid-stream, with {@code retry} (its attempts also bound the continuations). */
  private EventStream continuing(RetryPolicy retry, AttemptListener listener, ScriptedProvider... providers) {
    var r = new Resilience(retry, NO_BREAKER);
    opened.add(r);
    return r.open(REQUEST, routes(providers), LONG, LONG, Resilience.MidStream.CONTINUE, listener);
  }

  private EventStream continuing(ScriptedProvider... providers) {
    return continuing(FAST, AttemptListener.NONE, providers);
  }

  /** Scripts one answer that sends {@code text} and then breaks. */
  private static void breaksAfter(ScriptedProvider p, String... text) {
    var events = new ArrayList<StreamEvent>(List.of(new Started("id-1", "upstream-m", 1)));
    for (String t : text) events.add(TextDelta.content(t));
    events.add(RESET);
    p.then(() -> p.events(events.toArray(StreamEvent[]::new)));
  }

  @Test
  void midStreamFailoverRelaysOnlyTheContinuationAndTrimsARestart() {
    var p = new ScriptedProvider("p");
    breaksAfter(p, "The quick brown", " fox jumps");
    // The continuation restarts from the top despite the instruction: the repetition is dropped.
    p.then(() -> p.events(new Started("id-2", "upstream-m", 2), TextDelta.content("The quick brown fox"),
        TextDelta.content(" jumps over"), new UsageReport(Usage.of(50, 9)), new Finished(FinishReason.STOP)));
    List<StreamEvent> events = drain(continuing(p));
    assertThat(events).containsExactly(new Started("id-1", "upstream-m", "p", 1), TextDelta.content("The quick brown"),
        TextDelta.content(" fox jumps"), TextDelta.content(" over"), new Finished(FinishReason.STOP));
    List<Message> asked = p.calls.get(1).messages();
    assertThat(asked.get(asked.size() - 2)).isEqualTo(Message.text(Role.ASSISTANT, "The quick brown fox jumps"));
    assertThat(asked.getLast().text()).isEqualTo(Continuation.INSTRUCTION);
  }

  @Test
  void isReadyWhileTheSegmentHoldsDecodedEventsButNotBeforeAFailureThatMayContinue() {
    var p = new ScriptedProvider("p");
    p.then(() -> p.eventsAtOnce(new Started("id-1", "upstream-m", 1), TextDelta.content("a"), RESET));
    try (EventStream s = continuing(p)) {
      var ready = new ArrayList<Boolean>();
      for (int i = 0; i < 2; i++) {
        s.next();
        ready.add(s.ready());
      }
      assertThat(ready).as("after Started, after a (a failure is next: it may start a continuation, a wait)")
          .containsExactly(true, false);
    }
  }

  @Test
  void withoutOptInOrAfterAToolCallAMidStreamFailureEndsTheStream() {
    var p = new ScriptedProvider("p");
    breaksAfter(p, "a");
    var r = new Resilience(FAST, NO_BREAKER);
    opened.add(r);
    assertThat(drain(r.open(REQUEST, routes(p), LONG)).getLast()).isEqualTo(RESET);
    var q = new ScriptedProvider("q");
    q.then(() -> q.events(new Started("id-1", "upstream-m", 1), TextDelta.content("a"),
        new ToolCallDelta(0, "call_1", "f", "{"), RESET));
    assertThat(drain(continuing(q)).getLast()).isEqualTo(RESET);
    assertThat(p.calls).hasSize(1);
    assertThat(q.calls).hasSize(1);
  }

  @Test
  void withMidStreamFailoverAStallIsCutByTheIdleDeadlineAndContinued() {
    var p = new ScriptedProvider("p");
    // One token, then silence: the stream's own idle deadline cancels that attempt only.
    p.then(() -> new ScriptedProvider.Hanging(p, new Started("id-1", "upstream-m", 1), TextDelta.content("Hello")));
    p.then(() -> p.events(new Started("id-2", "upstream-m", 2), TextDelta.content(" world"), new Finished(FinishReason.STOP)));
    var r = new Resilience(FAST, NO_BREAKER);
    opened.add(r);
    List<StreamEvent> events = drain(r.open(REQUEST, routes(p), LONG, Duration.ofMillis(150), Resilience.MidStream.CONTINUE));
    assertThat(events).containsExactly(new Started("id-1", "upstream-m", "p", 1), TextDelta.content("Hello"),
        TextDelta.content(" world"), new Finished(FinishReason.STOP));
    assertThat(p.calls).hasSize(2);
    assertThat(p.cancels).singleElement().satisfies(e -> assertThat(e.code()).isEqualTo("idle"));
  }

  @Test
  void aContinuationThatFailsBeforeItsFirstTokenEndsTheStreamWithItsFailure() {
    var oneAttempt = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, LONG, LONG);
    var p = new ScriptedProvider("p");
    breaksAfter(p, "Hello");
    p.thenFail(ErrorType.UPSTREAM_OVERLOADED, 503, null);
    List<StreamEvent> events = drain(continuing(oneAttempt, AttemptListener.NONE, p));
    assertThat(events).hasSize(3);
    assertThat(((Failed) events.getLast()).error().upstreamStatus()).isEqualTo(503);
    assertThat(p.calls).hasSize(2);
  }

  @Test
  void failsOverAtMostAsOftenAsThePolicyHasAttempts() {
    var twoAttempts = new RetryPolicy(2, Duration.ZERO, Duration.ZERO, LONG, LONG);
    var p = new ScriptedProvider("p");
    breaksAfter(p, "one");
    breaksAfter(p, " two");
    breaksAfter(p, " three");
    List<StreamEvent> events = drain(continuing(twoAttempts, AttemptListener.NONE, p));
    assertThat(events).containsExactly(new Started("id-1", "upstream-m", "p", 1), TextDelta.content("one"),
        TextDelta.content(" two"), TextDelta.content(" three"), RESET);
    assertThat(p.calls).as("the answer and two continuations").hasSize(3);
  }

  @Test
  void aFailureThatIsNotRetryableIsNotContinued() {
    var p = new ScriptedProvider("p");
    var refused = new Failed(new GatewayError(ErrorType.INVALID_REQUEST, "content filter", null, null, 400, null));
    p.then(() -> p.events(new Started("id-1", "upstream-m", 1), TextDelta.content("Hello"), refused));
    assertThat(drain(continuing(p)).getLast()).isEqualTo(refused);
    assertThat(p.calls).hasSize(1);
  }

  @Test
  void countsTheFailedAttemptsOfEverySegment() {
    var p = new ScriptedProvider("p");
    p.thenFail(ErrorType.UPSTREAM_ERROR, 500, null);
    breaksAfter(p, "Hello");
    p.thenFail(ErrorType.UPSTREAM_ERROR, 502, null);
    p.then(() -> p.events(new Started("id-2", "upstream-m", 2), TextDelta.content(" world"), new Finished(FinishReason.STOP)));
    EventStream stream = continuing(p);
    assertThat(drain(stream).getLast()).isEqualTo(new Finished(FinishReason.STOP));
    assertThat(stream.retries()).as("one failed attempt before the answer, one before the continuation").isEqualTo(2);
  }

  @Test
  void aCancelDuringTheContinuationsBackoffEndsTheStreamWithItsReason() throws Exception {
    var p = new ScriptedProvider("p");
    breaksAfter(p, "Hello");
    p.thenFail(ErrorType.RATE_LIMITED, 429, Duration.ofSeconds(20));
    EventStream stream = continuing(p);
    assertThat(stream.next()).isInstanceOf(Started.class);
    assertThat(stream.next()).isEqualTo(TextDelta.content("Hello"));
    var third = CompletableFuture.supplyAsync(stream::next);
    while (p.calls.size() < 2) Thread.onSpinWait();
    GatewayError reason = GatewayError.clientDisconnected("gone");
    stream.cancel(reason);
    assertThat(third.get(2, TimeUnit.SECONDS)).isEqualTo(new Failed(reason));
    assertThat(stream.next()).isNull();
    assertThat(p.calls).hasSize(2);
  }

  @Test
  void theListenerHearsTheContinuationsAttemptsAndUsageThoughTheyAreNotRelayed() {
    var p = new ScriptedProvider("p");
    breaksAfter(p, "Hello");
    p.then(() -> p.events(new Started("id-2", "upstream-m", 2), TextDelta.content(" world"),
        new UsageReport(Usage.of(50, 2)), new Finished(FinishReason.STOP)));
    var listener = new RecordingListener();
    List<StreamEvent> events = drain(continuing(FAST, listener, p));
    assertThat(events).noneMatch(e -> e instanceof UsageReport);
    assertThat(events).filteredOn(e -> e instanceof Started).hasSize(1);
    assertThat(listener.heard).containsSubsequence("answered p/m#1", "failed p/m#1 UPSTREAM_ERROR", "started p/m#1",
        "answered p/m#1", "usage 50+2", "finished p/m#1");
  }
}
