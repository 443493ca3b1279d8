package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.EventStream;
import dev.sluice.route.Route;
import dev.sluice.stream.ChatRequest;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/** The policy stream against scripted in-memory providers: which attempts run, what the reader sees. */
// A broken policy must fail a test, not hang it.
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class ResilientStreamTest {
  private static final ChatRequest REQUEST = ChatRequest.of("alias", List.of(Message.text(Role.USER, "hi")));
  private static final Duration LONG = Duration.ofSeconds(30);
  /** Three attempts, 1 ms backoff. */
  private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), LONG, LONG);
  private static final BreakerSettings NO_BREAKER = new BreakerSettings(false, 1, LONG, 1);

  private final List<Resilience> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(Resilience::close);
  }

  private Resilience resilience(RetryPolicy retry, BreakerSettings breaker) {
    var r = new Resilience(retry, breaker);
    opened.add(r);
    return r;
  }

  private static List<StreamEvent> drain(EventStream s) {
    var out = new ArrayList<StreamEvent>();
    try (s) {
      StreamEvent e;
      while ((e = s.next()) != null) out.add(e);
    }
    return out;
  }

  private static List<Route> routes(ScriptedProvider... providers) {
    var out = new ArrayList<Route>();
    for (ScriptedProvider p : providers) out.add(new Route(p, "m"));
    return out;
  }

  @Test
  void retriesAnOverloadAndHandsOutOneStartNamingTheProvider() {
    var p = new ScriptedProvider("p").thenFail(ErrorType.UPSTREAM_OVERLOADED, 503, null).thenAnswer("a", "b");
    List<StreamEvent> events = drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG));
    assertThat(events).containsExactly(new Started("id-1", "upstream-m", "p", 1), TextDelta.content("a"),
        TextDelta.content("b"), new Finished(FinishReason.STOP));
    assertThat(p.calls).hasSize(2).allMatch(r -> r.model().equals("m"));
  }

  @Test
  void neverRetriesARequestTheUpstreamRejects() {
    for (int status : new int[] {400, 401, 403, 404, 413, 422}) {
      var p = new ScriptedProvider("p").thenFail(ErrorType.INVALID_REQUEST, status, null);
      var q = new ScriptedProvider("q");
      List<StreamEvent> events = drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(p, q), LONG));
      assertThat(events).singleElement().isInstanceOf(Failed.class);
      assertThat(((Failed) events.getFirst()).error().upstreamStatus()).isEqualTo(status);
      assertThat(p.calls).as("HTTP %d", status).hasSize(1);
      assertThat(q.calls).as("no fallback after HTTP %d", status).isEmpty();
    }
  }

  @Test
  void aFailureAfterTheFirstTokenEndsTheStreamAndIsNotRetried() {
    var failure = new Failed(GatewayError.of(ErrorType.UPSTREAM_ERROR, "reset"));
    var p = new ScriptedProvider("p");
    p.then(() -> p.events(new Started("id-1", "upstream-m", 1), TextDelta.content("a"), failure));
    List<StreamEvent> events = drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG));
    assertThat(events).containsExactly(new Started("id-1", "upstream-m", "p", 1), TextDelta.content("a"), failure);
    assertThat(p.calls).hasSize(1);
  }

  @Test
  void theFirstTokenDeadlineCancelsOnlyTheAttemptAndIsRetried() {
    var p = new ScriptedProvider("p").thenHang().thenAnswer("late");
    long t0 = System.nanoTime();
    List<StreamEvent> events = drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), Duration.ofMillis(150)));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
    assertThat(events).contains(TextDelta.content("late")).last().isEqualTo(new Finished(FinishReason.STOP));
    assertThat(p.cancels).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_TIMEOUT);
      assertThat(e.code()).isEqualTo("first_token");
    });
  }

  @Test
  void spentAttemptsMoveToTheFallbackWhoseStartNamesIt() {
    var p = new ScriptedProvider("p");
    for (int i = 0; i < 3; i++) p.thenFail(ErrorType.UPSTREAM_ERROR, 500, null);
    var q = new ScriptedProvider("q").thenAnswer("x");
    List<StreamEvent> events = drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(p, q), LONG));
    assertThat(((Started) events.getFirst()).qualifiedModel()).isEqualTo("q/upstream-m");
    assertThat(p.calls).hasSize(3);
    assertThat(q.calls).hasSize(1);
  }

  @Test
  void aRetryAfterBeyondTheCapOrTheBudgetFallsBackWithoutWaiting() {
    var overCap = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), LONG, Duration.ofSeconds(1));
    var overBudget = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMillis(500), LONG);
    for (RetryPolicy policy : List.of(overCap, overBudget)) {
      var p = new ScriptedProvider("p").thenFail(ErrorType.RATE_LIMITED, 429, Duration.ofSeconds(5));
      var q = new ScriptedProvider("q").thenAnswer("x");
      long t0 = System.nanoTime();
      List<StreamEvent> events = drain(resilience(policy, NO_BREAKER).open(REQUEST, routes(p, q), LONG));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
      assertThat(events.getLast()).isInstanceOf(Finished.class);
      assertThat(p.calls).hasSize(1);
      assertThat(q.calls).hasSize(1);
    }
  }

  @Test
  void honoursAShortRetryAfter() {
    var p = new ScriptedProvider("p").thenFail(ErrorType.RATE_LIMITED, 429, Duration.ofMillis(200)).thenAnswer("x");
    long t0 = System.nanoTime();
    List<StreamEvent> events = drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(events.getLast()).isInstanceOf(Finished.class);
  }

  @Test
  void aCancelCutsABackoffWaitShortAndIsSticky() throws Exception {
    var p = new ScriptedProvider("p").thenFail(ErrorType.RATE_LIMITED, 429, Duration.ofSeconds(20));
    EventStream stream = resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG);
    var first = CompletableFuture.supplyAsync(stream::next);
    while (p.calls.isEmpty()) Thread.onSpinWait();
    Thread.sleep(50); // let the reader enter its 20 s wait; the assertion below does not depend on it
    GatewayError reason = GatewayError.of(ErrorType.CANCELLED, "client left");
    long t0 = System.nanoTime();
    stream.cancel(reason);
    stream.cancel(GatewayError.of(ErrorType.INTERNAL, "second reason"));
    assertThat(first.get(2, TimeUnit.SECONDS)).isEqualTo(new Failed(reason));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    assertThat(stream.next()).isNull();
    assertThat(p.calls).hasSize(1);
  }

  @Test
  void aCancelReachesTheAttemptInFlight() throws Exception {
    var p = new ScriptedProvider("p").thenHang();
    EventStream stream = resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG);
    var first = CompletableFuture.supplyAsync(stream::next);
    while (p.calls.isEmpty()) Thread.onSpinWait();
    GatewayError reason = GatewayError.of(ErrorType.CANCELLED, "client left");
    stream.cancel(reason);
    assertThat(first.get(2, TimeUnit.SECONDS)).isEqualTo(new Failed(reason));
    assertThat(p.cancels).containsExactly(reason);
  }

  @Test
  void anOpenBreakerSkipsToTheFallbackAndAProbeAfterTheCooldownClosesIt() throws Exception {
    var oneAttempt = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, LONG, LONG);
    Resilience r = resilience(oneAttempt, new BreakerSettings(true, 2, Duration.ofMillis(300), 1));
    var p = new ScriptedProvider("p");
    var q = new ScriptedProvider("q");
    p.thenFail(ErrorType.UPSTREAM_OVERLOADED, 503, null).thenFail(ErrorType.UPSTREAM_OVERLOADED, 503, null);
    q.thenAnswer("x").thenAnswer("x").thenAnswer("x");
    drain(r.open(REQUEST, routes(p, q), LONG));
    assertThat(r.breakers().state("p/m")).isEqualTo(CircuitBreakers.State.CLOSED);
    drain(r.open(REQUEST, routes(p, q), LONG));
    assertThat(r.breakers().state("p/m")).isEqualTo(CircuitBreakers.State.OPEN);

    List<StreamEvent> skipped = drain(r.open(REQUEST, routes(p, q), LONG));
    assertThat(p.calls).hasSize(2);
    assertThat(((Started) skipped.getFirst()).provider()).isEqualTo("q");

    Thread.sleep(350); // the cooldown itself is what is under test
    p.thenAnswer("back");
    List<StreamEvent> probe = drain(r.open(REQUEST, routes(p, q), LONG));
    assertThat(((Started) probe.getFirst()).provider()).isEqualTo("p");
    assertThat(r.breakers().state("p/m")).isEqualTo(CircuitBreakers.State.CLOSED);
    assertThat(q.calls).hasSize(3);
  }

  @Test
  void whenEveryBreakerIsOpenTheAnswerIsA503NamingThem() {
    var oneAttempt = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, LONG, LONG);
    Resilience r = resilience(oneAttempt, new BreakerSettings(true, 1, LONG, 1));
    var p = new ScriptedProvider("p").thenFail(ErrorType.UPSTREAM_ERROR, 502, null);
    drain(r.open(REQUEST, routes(p), LONG));
    List<StreamEvent> events = drain(r.open(REQUEST, routes(p), LONG));
    GatewayError error = ((Failed) events.getFirst()).error();
    assertThat(error.httpStatus()).isEqualTo(503);
    assertThat(error.code()).isEqualTo("circuit_open");
    assertThat(error.message()).contains("p/m");
    assertThat(p.calls).hasSize(1);
  }

  @Test
  void aRejectedRequestDoesNotCountAgainstTheBreaker() {
    var oneAttempt = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, LONG, LONG);
    Resilience r = resilience(oneAttempt, new BreakerSettings(true, 1, LONG, 1));
    var p = new ScriptedProvider("p").thenFail(ErrorType.INVALID_REQUEST, 400, null);
    drain(r.open(REQUEST, routes(p), LONG));
    assertThat(r.breakers().state("p/m")).isEqualTo(CircuitBreakers.State.CLOSED);
  }

  @Test
  void midStreamFailoverRelaysOnlyTheContinuationAndTrimsARestart() {
    var failure = new Failed(GatewayError.of(ErrorType.UPSTREAM_ERROR, "reset"));
    var p = new ScriptedProvider("p");
    p.then(() -> p.events(new Started("id-1", "upstream-m", 1), TextDelta.content("The quick brown"),
        TextDelta.content(" fox jumps"), failure));
    // The continuation restarts from the top despite the instruction: the repetition is dropped.
    p.then(() -> p.events(new Started("id-2", "upstream-m", 2), TextDelta.content("The quick brown fox"),
        TextDelta.content(" jumps over"), new dev.sluice.stream.UsageReport(dev.sluice.stream.Usage.of(50, 9)),
        new Finished(FinishReason.STOP)));
    List<StreamEvent> events = drain(resilience(FAST, NO_BREAKER)
        .open(REQUEST, routes(p), LONG, LONG, Resilience.MidStream.CONTINUE));
    assertThat(events).containsExactly(new Started("id-1", "upstream-m", "p", 1), TextDelta.content("The quick brown"),
        TextDelta.content(" fox jumps"), TextDelta.content(" over"), new Finished(FinishReason.STOP));
    List<Message> asked = p.calls.get(1).messages();
    assertThat(asked.get(asked.size() - 2)).isEqualTo(Message.text(Role.ASSISTANT, "The quick brown fox jumps"));
    assertThat(asked.getLast().text()).isEqualTo(Continuation.INSTRUCTION);
  }

  @Test
  void withoutOptInOrAfterAToolCallAMidStreamFailureEndsTheStream() {
    var failure = new Failed(GatewayError.of(ErrorType.UPSTREAM_ERROR, "reset"));
    var p = new ScriptedProvider("p");
    p.then(() -> p.events(new Started("id-1", "upstream-m", 1), TextDelta.content("a"), failure));
    assertThat(drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG)).getLast()).isEqualTo(failure);
    var q = new ScriptedProvider("q");
    q.then(() -> q.events(new Started("id-1", "upstream-m", 1), TextDelta.content("a"),
        new dev.sluice.stream.ToolCallDelta(0, "call_1", "f", "{"), failure));
    assertThat(drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(q), LONG, LONG, Resilience.MidStream.CONTINUE))
        .getLast()).isEqualTo(failure);
    assertThat(p.calls).hasSize(1);
    assertThat(q.calls).hasSize(1);
  }

  @Test
  void withMidStreamFailoverAStallIsCutByTheIdleDeadlineAndContinued() {
    var p = new ScriptedProvider("p");
    // One token, then silence: the stream's own idle deadline cancels that attempt only.
    p.then(() -> new ScriptedProvider.Hanging(p, new Started("id-1", "upstream-m", 1), TextDelta.content("Hello")));
    p.then(() -> p.events(new Started("id-2", "upstream-m", 2), TextDelta.content(" world"), new Finished(FinishReason.STOP)));
    List<StreamEvent> events = drain(resilience(FAST, NO_BREAKER)
        .open(REQUEST, routes(p), LONG, Duration.ofMillis(150), Resilience.MidStream.CONTINUE));
    assertThat(events).containsExactly(new Started("id-1", "upstream-m", "p", 1), TextDelta.content("Hello"),
        TextDelta.content(" world"), new Finished(FinishReason.STOP));
    assertThat(p.cancels).singleElement().satisfies(e -> assertThat(e.code()).isEqualTo("idle"));
  }
}
