package dev.sluice.policy;

import dev.sluice.provider.EventStream;
import dev.sluice.route.Route;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.UsageReport;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's stream over a chain of attempts (see {@link Resilience#open}). Read by one thread,
 * cancelled from any.
 *
 * <p>Phases: while not {@link #committed}, {@link #next()} runs attempts until one yields a token,
 * holding back that attempt's {@code Started} and usage until then; once committed it is a thin
 * pass-through to the attempt that answers. With mid-stream failover, a retryable failure of the
 * answering attempt starts the chain again for a continuation ({@link #continueAfter}); such a stream
 * also enforces the idle deadline itself, per attempt, so that a stall fails over too.
 *
 * <p>Cancellation: the first reason is sticky. It wakes a backoff wait at once (a latch) and cancels
 * the attempt in flight; the hand-over of {@link #current} is ordered against {@link #cancel} by a
 * lock, so an attempt that starts while a cancel runs is cancelled right after it is installed.
 */
final class ResilientStream implements EventStream {
  private static final Logger log = LoggerFactory.getLogger(ResilientStream.class);

  /** States of one attempt's first-token race between the reading thread and the timer. */
  private static final int WAITING = 0;
  private static final int ANSWERED = 1;
  private static final int TIMED_OUT = 2;

  private final ChatRequest original;
  private final List<Route> candidates;
  private final boolean continueMidStream;
  private final RetryPolicy retry;
  private final CircuitBreakers breakers;
  private final ScheduledExecutorService timer;
  private final Duration firstToken;
  /** The idle deadline this stream enforces on the answering attempt, or null when its caller does. */
  private final Duration idle;
  private final AttemptObserver observer;

  private final AtomicReference<GatewayError> cancelReason = new AtomicReference<>();
  /** Counted down by the first cancel, so that a backoff wait ends at once. */
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private final Object lock = new Object();
  /** The attempt in flight or answering; guarded by {@link #lock}. */
  private EventStream current;

  // Reading thread only.
  private final ArrayDeque<StreamEvent> ready = new ArrayDeque<>(4);
  private boolean committed;
  private boolean ended;
  /** The request of the attempts now being made: the original, or a continuation of it. */
  private ChatRequest request;
  /** The answer's text handed out so far, kept only for mid-stream failover. */
  private final StringBuilder sent = new StringBuilder();
  /** False once something that cannot be continued was handed out (a tool call, a refusal, reasoning). */
  private boolean continuable;
  private boolean continuing;
  private int continuations;
  /** When the answering attempt last produced an event; read by the idle check on the timer thread. */
  private volatile long lastEventNanos;
  /** The pending idle check of the answering attempt, or null. */
  private volatile ScheduledFuture<?> idleCheck;
  /** Attempts that failed before one answered; read by the relay once the stream ended. */
  private volatile int failedAttempts;

  ResilientStream(ChatRequest request, List<Route> candidates, RetryPolicy retry, CircuitBreakers breakers,
      ScheduledExecutorService timer, Duration firstToken, Duration idle, boolean continueMidStream,
      AttemptObserver observer) {
    this.observer = observer;
    this.original = request;
    this.request = request;
    this.candidates = candidates;
    this.continueMidStream = continueMidStream;
    this.continuable = continueMidStream;
    this.retry = retry;
    this.breakers = breakers;
    this.timer = timer;
    this.firstToken = firstToken;
    this.idle = idle;
  }

  @Override
  public StreamEvent next() {
    if (ended) return null;
    StreamEvent event = ready.poll();
    if (event == null) event = committed ? fromAnswering() : untilFirstToken();
    if (event == null) {
      // An EventStream returns null only after its terminal event, which ended this one too.
      event = new Failed(GatewayError.of(ErrorType.INTERNAL, "upstream stream ended without a terminal event"));
    }
    if (event.isTerminal()) {
      ended = true;
      ready.clear();
      closeCurrent();
    } else if (continuable) {
      switch (event) {
        case TextDelta t when t.channel() == TextDelta.Channel.CONTENT -> sent.append(t.text());
        case TextDelta t -> continuable = false;
        case ToolCallDelta c -> continuable = false;
        default -> { }
      }
    }
    return event;
  }

  private StreamEvent fromAnswering() {
    EventStream answering;
    synchronized (lock) {
      answering = current;
    }
    if (answering != null) {
      StreamEvent event = answering.next();
      // A continuation's usage covers the replayed prompt, not the whole answer: the meter estimates.
      while (continuing && event instanceof UsageReport) event = answering.next();
      lastEventNanos = System.nanoTime();
      if (event instanceof Failed f && continuable && !sent.isEmpty() && continuations < retry.attempts()
          && cancelReason.get() == null && RetryPolicy.retryable(f.error())) {
        return continueAfter(f);
      }
      return event;
    }
    // Closed before its end: the close's cancel is the reason.
    GatewayError reason = cancelReason.get();
    return new Failed(reason != null ? reason : GatewayError.of(ErrorType.CANCELLED, "stream closed"));
  }

  /**
   * Mid-stream failover: the answering attempt failed after {@link #sent}; the chain is run again
   * (retries, breakers, fallbacks as before) with a request to continue, and only the continuation is
   * relayed: its start and usage are dropped (the client has a start; the usage is then estimated), and
   * a detected repetition of the sent text is trimmed. If that fails too, the stream ends with the
   * continuation's error.
   */
  private StreamEvent continueAfter(Failed failure) {
    log.info("{}: stream failed after {} characters ({}); asking for a continuation", original.model(),
        sent.length(), failure.error().message());
    closeCurrent();
    committed = false;
    continuing = true;
    continuations++;
    request = Continuation.request(original, sent.toString());
    StreamEvent first = untilFirstToken();
    if (!committed) return first;
    ready.addFirst(first);
    trimRepetition();
    StreamEvent next = ready.poll();
    return next != null ? next : fromAnswering();
  }

  /** Holds back the continuation's first text and drops what repeats {@link #sent}. */
  private void trimRepetition() {
    int lookahead = Continuation.lookahead(sent);
    var text = new StringBuilder();
    var after = new ArrayDeque<StreamEvent>();
    for (StreamEvent e : ready) {
      if (after.isEmpty() && e instanceof TextDelta t && t.channel() == TextDelta.Channel.CONTENT) text.append(t.text());
      else after.add(e);
    }
    ready.clear();
    EventStream answering;
    synchronized (lock) {
      answering = current;
    }
    String already = sent.toString();
    // Hold back the lookahead; beyond it, keep holding while the continuation could still be a restart
    // (a prefix of what was sent), which is bounded by the length of the sent text.
    while (after.isEmpty() && answering != null && (text.length() < lookahead
        || (text.length() < already.length() && already.startsWith(text.toString())))) {
      StreamEvent e = answering.next();
      lastEventNanos = System.nanoTime();
      if (e == null) break;
      if (e instanceof TextDelta t && t.channel() == TextDelta.Channel.CONTENT) text.append(t.text());
      else if (!(e instanceof UsageReport)) after.add(e);
    }
    int drop = Continuation.repeated(already, text.toString());
    if (drop > 0) log.info("{}: dropped {} repeated characters from the continuation", original.model(), drop);
    if (drop < text.length()) ready.add(TextDelta.content(text.substring(drop)));
    ready.addAll(after);
  }

  /** Runs attempts until one yields its first token; returns the first event to hand out, or the final failure. */
  private StreamEvent untilFirstToken() {
    long startNanos = System.nanoTime();
    long budgetEnd = startNanos + retry.budget().toNanos();
    GatewayError last = null;
    List<String> open = new ArrayList<>();
    for (int c = 0; c < candidates.size(); c++) {
      Route route = candidates.get(c);
      String name = route.qualifiedModel();
      for (int attempt = 1; ; attempt++) {
        GatewayError stop = cancelReason.get();
        if (stop != null) return new Failed(stop);
        CircuitBreakers.Permit permit = breakers.acquire(name);
        if (permit == null) {
          log.info("{}: circuit open, skipping to the next candidate", name);
          open.add(name);
          break;
        }
        GatewayError error = attempt(route, c, attempt, permit);
        if (error == null) return ready.poll();
        failedAttempts++;
        stop = cancelReason.get();
        if (stop != null) return new Failed(stop);
        last = error;
        if (!RetryPolicy.retryable(error)) return new Failed(error);
        if (attempt >= retry.attempts()) {
          log.info("{}: attempt {} failed ({}); attempts spent", name, attempt, error.message());
          break;
        }
        Duration wait = retry.delay(attempt, error.retryAfter(), ThreadLocalRandom.current());
        if (wait == null) {
          log.info("{}: upstream asks to wait {} ms, more than the {} ms allowed; not retrying it", name,
              error.retryAfter().toMillis(), retry.maxRetryAfter().toMillis());
          break;
        }
        if (System.nanoTime() + wait.toNanos() - budgetEnd > 0) {
          log.info("{}: a retry in {} ms would exceed the retry budget; not retrying it", name, wait.toMillis());
          break;
        }
        log.info("{}: attempt {} failed ({}); retrying in {} ms", name, attempt, error.message(), wait.toMillis());
        if (!pause(wait)) return new Failed(cancelReason.get());
      }
    }
    if (last != null) return new Failed(last);
    return new Failed(new GatewayError(ErrorType.UPSTREAM_OVERLOADED,
        "All upstreams for '" + request.model() + "' are unavailable: the circuit breaker is open for "
            + String.join(", ", open) + ".", null, "circuit_open", 0, null));
  }

  /**
   * One attempt until its first token. Returns null once it answered (its held events and first
   * token are in {@link #ready}, and it stays {@link #current}); else the error it failed with, after
   * closing it.
   */
  private GatewayError attempt(Route route, int candidate, int attemptNumber, CircuitBreakers.Permit permit) {
    EventStream stream = observer.attempt(route, candidate, attemptNumber,
        route.provider().stream(request.withModel(route.upstreamModel())));
    synchronized (lock) {
      current = stream;
    }
    GatewayError early = cancelReason.get();
    if (early != null) stream.cancel(early);
    AtomicInteger race = new AtomicInteger(WAITING);
    GatewayError timeout = firstTokenTimeout(route);
    ScheduledFuture<?> deadline = timer.schedule(() -> {
      if (race.compareAndSet(WAITING, TIMED_OUT)) stream.cancel(timeout);
    }, firstToken.toNanos(), TimeUnit.NANOSECONDS);
    List<StreamEvent> held = new ArrayList<>(2);
    try {
      while (true) {
        StreamEvent event = stream.next();
        if (event == null || event instanceof Failed) {
          GatewayError error = event == null
              ? GatewayError.of(ErrorType.UPSTREAM_ERROR, "upstream stream ended without a terminal event")
              : ((Failed) event).error();
          if (cancelReason.get() == null && RetryPolicy.retryable(error)) permit.failed(error.message());
          else permit.released();
          return error;
        }
        if (event instanceof Started s) {
          // A continuation's start is not shown: the client has the first attempt's.
          if (!continuing) held.add(s.provider() == null ? s.withProvider(route.provider().name()) : s);
          continue;
        }
        if (!(event instanceof TextDelta || event instanceof ToolCallDelta || event instanceof Finished)) {
          // Usage before any token: rare, kept in order. A continuation's usage covers the replayed
          // prompt and not the first part of the answer: dropped, so the meter estimates instead.
          if (!continuing) held.add(event);
          continue;
        }
        if (!race.compareAndSet(WAITING, ANSWERED)) {
          // The deadline fired as this token arrived: the attempt is cancelled, its token never shown.
          permit.failed(timeout.message());
          return timeout;
        }
        permit.succeeded();
        committed = true;
        ready.addAll(held);
        ready.add(event);
        if (idle != null) {
          lastEventNanos = System.nanoTime();
          GatewayError stalled = idleTimeout(route);
          idleCheck = timer.schedule(() -> checkIdle(stream, stalled), idle.toNanos(), TimeUnit.NANOSECONDS);
        }
        return null;
      }
    } finally {
      deadline.cancel(false);
      if (!committed) closeCurrent();
    }
  }

  private GatewayError firstTokenTimeout(Route route) {
    return new GatewayError(ErrorType.UPSTREAM_TIMEOUT, "Upstream timed out: no first token from "
        + route.qualifiedModel() + " within " + firstToken.toMillis() + " ms.", null, "first_token", 0, null);
  }

  private GatewayError idleTimeout(Route route) {
    return new GatewayError(ErrorType.UPSTREAM_TIMEOUT, "Upstream timed out: " + route.qualifiedModel()
        + " sent nothing for " + idle.toMillis() + " ms.", null, "idle", 0, null);
  }

  /**
   * On the timer thread: cancels the answering attempt (not this stream) once it has been silent for
   * {@link #idle}, else checks again when that would be. The reading thread only writes a timestamp per
   * event. A check left over from an attempt that has ended cancels nothing: cancel is idempotent.
   */
  private void checkIdle(EventStream attempt, GatewayError stalled) {
    long due = lastEventNanos + idle.toNanos();
    long now = System.nanoTime();
    if (now - due >= 0) {
      attempt.cancel(stalled);
    } else {
      try {
        idleCheck = timer.schedule(() -> checkIdle(attempt, stalled), due - now, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // The gateway is shutting down; its streams are being stopped anyway.
        log.debug("idle check not rescheduled: {}", e.toString());
      }
    }
  }

  /** Waits {@code wait}; false if a cancel ended the wait. */
  private boolean pause(Duration wait) {
    try {
      return !cancelled.await(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel(GatewayError.of(ErrorType.CANCELLED, "interrupted while waiting to retry"));
      return false;
    }
  }

  @Override
  public int retries() {
    return failedAttempts;
  }

  @Override
  public void cancel(GatewayError reason) {
    if (reason == null) throw new IllegalArgumentException("reason is required");
    if (!cancelReason.compareAndSet(null, reason)) return;
    cancelled.countDown();
    EventStream attempt;
    synchronized (lock) {
      attempt = current;
    }
    if (attempt != null) attempt.cancel(reason);
  }

  @Override
  public void close() {
    if (!ended) cancel(GatewayError.of(ErrorType.CANCELLED, "stream closed before its end"));
    closeCurrent();
  }

  private void closeCurrent() {
    ScheduledFuture<?> check = idleCheck;
    if (check != null) check.cancel(false);
    EventStream attempt;
    synchronized (lock) {
      attempt = current;
      current = null;
    }
    if (attempt != null) attempt.close();
  }
}
