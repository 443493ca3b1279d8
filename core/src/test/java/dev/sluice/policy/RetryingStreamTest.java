package dev.sluice.policy;

import static dev.sluice.policy.PolicyStreams.FAST;
import static dev.sluice.policy.PolicyStreams.LONG;
import static dev.sluice.policy.PolicyStreams.NO_BREAKER;
import static dev.sluice.policy.PolicyStreams.REQUEST;
import static dev.sluice.policy.PolicyStreams.drain;
import static dev.sluice.policy.PolicyStreams.routes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.EventStream;
import dev.sluice.route.Route;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * The retrying stream against scripted in-memory providers: which attempts run before the first
 * token, what the reader sees, and what the attempt listener is told.
 */
// A broken policy must fail a test, not hang it.
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class RetryingStreamTest {
  private final List<Resilience> opened = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void close() {
    opened.forEach(Resilience::close);
    timer.shutdownNow();
  }

  private Resilience resilience(RetryPolicy retry, BreakerSettings breaker) {
    var r = new Resilience(retry, breaker);
    opened.add(r);
    return r;
  }

  /** A retrying stream built directly, with its own idle deadline (null for none), told to {@code listener}. */
  private RetryingStream retrying(List<Route> routes, Duration idle, AttemptListener listener) {
    return new RetryingStream(REQUEST, routes, FAST, new CircuitBreakers(NO_BREAKER), timer, LONG, idle, listener);
  }

  @Test
  void retriesAnOverloadAndHandsOutOneStartNamingTheProvider() {
    var p = new ScriptedProvider("p").thenFail(ErrorType.UPSTREAM_OVERLOADED, 503, null).thenAnswer("a", "b");
    List<StreamEvent> events = drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG));
    assertThat(events).containsExactly(new Started("id-1", "upstream-m", "p", 1), TextDelta.content("a"),
        TextDelta.content("b"), new Finished(FinishReason.STOP));
    assertThat(p.calls).hasSize(2).allMatch(r -> r.model().equals("m"));
  }

  /** What one upstream read decoded is ready through the policy's stream, and nothing else is. */
  @Test
  void isReadyWhileTheAnsweringAttemptHoldsDecodedEventsAndNotOnceThoseAreOut() {
    var p = new ScriptedProvider("p");
    p.then(() -> p.eventsAtOnce(ScriptedProvider.answer("a", "b")));
    try (EventStream s = resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG)) {
      assertThat(s.ready()).as("before the first read, which waits for the upstream").isFalse();
      var ready = new ArrayList<Boolean>();
      while (s.next() != null) ready.add(s.ready());
      assertThat(ready).as("after Started, a, b, Finished").containsExactly(true, true, true, false);
    }
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
  void aConnectFailureAfterTheAttemptsStartButBeforeItsFirstTokenIsRetriedAndTheReaderSeesOneStart() {
    // What an upstream stream reports when a connect failure reaches it after its headers (UpstreamErrors).
    var connect = GatewayError.of(ErrorType.UPSTREAM_TIMEOUT, "upstream 'p' did not accept a connection in time")
        .withCode("connect");
    var p = new ScriptedProvider("p");
    p.then(() -> p.events(new Started("id-0", "upstream-m", 1), new Failed(connect))).thenAnswer("a");
    List<StreamEvent> events = drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG));
    assertThat(events).containsExactly(new Started("id-1", "upstream-m", "p", 1), TextDelta.content("a"),
        new Finished(FinishReason.STOP));
    assertThat(p.calls).hasSize(2);
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
  void tellsTheListenerOfEachAttemptInTheOrderItHappened() {
    var p = new ScriptedProvider("p").thenFail(ErrorType.UPSTREAM_OVERLOADED, 503, null);
    var q = new ScriptedProvider("q").thenAnswer("x");
    var listener = new RecordingListener();
    var oneAttempt = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, LONG, LONG);
    drain(resilience(oneAttempt, NO_BREAKER).open(REQUEST, routes(p, q), LONG, listener));
    assertThat(listener.heard).containsExactly("started p/m#1", "failed p/m#1 503", "responded p/m#1",
        "started q/m#1 (fallback 1)", "model upstream-m", "responded q/m#1 (fallback 1)",
        "answered q/m#1 (fallback 1)", "finished q/m#1 (fallback 1)");
  }

  @Test
  void tellsTheListenerOfARetryBeforeItsWait() {
    var p = new ScriptedProvider("p").thenFail(ErrorType.RATE_LIMITED, 429, Duration.ofMillis(1)).thenAnswer("x");
    var listener = new RecordingListener();
    drain(resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG, listener));
    assertThat(listener.heard).containsSubsequence("failed p/m#1 429", "responded p/m#1", "retrying p/m#1",
        "started p/m#2", "answered p/m#2");
  }

  @Test
  void countsTheAttemptsThatFailedBeforeOneAnswered() {
    var p = new ScriptedProvider("p").thenFail(ErrorType.UPSTREAM_ERROR, 500, null)
        .thenFail(ErrorType.UPSTREAM_ERROR, 502, null).thenAnswer("x");
    EventStream stream = resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG);
    assertThat(drain(stream).getLast()).isEqualTo(new Finished(FinishReason.STOP));
    assertThat(stream.retries()).isEqualTo(2);
  }

  @Test
  void anAttemptLetGoBeforeItsEndIsToldAsClosedAndTheCancelOnceWithItsFirstReason() {
    var p = new ScriptedProvider("p");
    p.then(() -> new ScriptedProvider.Hanging(p, new Started("id-1", "upstream-m", 1), TextDelta.content("a")));
    var listener = new RecordingListener();
    EventStream stream = resilience(FAST, NO_BREAKER).open(REQUEST, routes(p), LONG, listener);
    assertThat(stream.next()).isInstanceOf(Started.class);
    assertThat(stream.next()).isEqualTo(TextDelta.content("a"));
    stream.cancel(GatewayError.clientDisconnected("gone"));
    stream.cancel(GatewayError.of(ErrorType.INTERNAL, "second reason"));
    stream.close();
    assertThat(listener.heard).containsSubsequence("answered p/m#1", "cancelled client_disconnected", "closed p/m#1");
    assertThat(listener.heard).filteredOn(line -> line.startsWith("cancelled")).hasSize(1);
  }

  @Test
  void itsOwnIdleDeadlineCutsAStalledAnswerWithARetryableFailureOfTheStream() {
    var p = new ScriptedProvider("p");
    p.then(() -> new ScriptedProvider.Hanging(p, new Started("id-1", "upstream-m", 1), TextDelta.content("Hello")));
    var listener = new RecordingListener();
    RetryingStream stream = retrying(routes(p), Duration.ofMillis(100), listener);
    List<StreamEvent> events = drain(stream);
    assertThat(events).hasSize(3);
    GatewayError stalled = ((Failed) events.getLast()).error();
    assertThat(stalled.code()).isEqualTo("idle");
    assertThat(RetryPolicy.retryable(stalled)).as("a stall is what a continuation may fail over from").isTrue();
    assertThat(stream.answered()).isTrue();
    assertThat(p.calls).as("after the first token nothing is retried here").hasSize(1);
    assertThat(listener.heard).contains("failed p/m#1 idle");
  }

  @Test
  void withoutAnIdleDeadlineItWaitsForTheAnsweringAttemptHoweverLong() throws Exception {
    var p = new ScriptedProvider("p");
    p.then(() -> new ScriptedProvider.Hanging(p, new Started("id-1", "upstream-m", 1), TextDelta.content("Hello")));
    RetryingStream stream = retrying(routes(p), null, AttemptListener.NONE);
    assertThat(stream.next()).isInstanceOf(Started.class);
    assertThat(stream.next()).isEqualTo(TextDelta.content("Hello"));
    var third = CompletableFuture.supplyAsync(stream::next);
    // The caller's watchdog owns the idle deadline: nothing here ends the wait but a cancel.
    assertThat(third).failsWithin(Duration.ofMillis(300)).withThrowableThat()
        .isInstanceOf(TimeoutException.class);
    GatewayError reason = GatewayError.of(ErrorType.UPSTREAM_TIMEOUT, "the caller's idle deadline");
    stream.cancel(reason);
    assertThat(third.get(2, TimeUnit.SECONDS)).isEqualTo(new Failed(reason));
  }
}
