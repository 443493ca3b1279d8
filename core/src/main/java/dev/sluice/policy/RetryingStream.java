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
 * <p>Phases: until {@link #answered()}, {@link #next()} runs attempts (backoff, breakers, fallbacks,
 * the first-token deadline of each) until one yields a token, holding back that attempt's
 * {@code Started} and usage until then; once answered it is a thin pass-through to the attempt that
 * answers, whose later failure ends the stream. With an idle deadline it also cuts the answering
 * attempt when it stalls, so that a {@link ContinuingStream} above can fail over from it.
 *
 * <p>Cancellation: the first reason is sticky. It wakes a backoff wait at once (a latch) and cancels
 * the attempt in flight; the hand-over of {@link #current} is ordered against {@link #cancel} by a
 * lock, so an attempt that starts while a cancel runs is cancelled right after it is installed.
 *
 * <p>Every event read from an attempt is reported to the {@link AttemptListener}, on the reading
 * thread, as it is read.
 */
final class RetryingStream implements EventStream {
  private static final Logger log = LoggerFactory.getLogger(RetryingStream.class);

  /** States of one attempt's first-token race between the reading thread and the timer. */
  private static final int WAITING = 0;
  private static final int ANSWERED = 1;
  private static final int TIMED_OUT = 2;

  private final ChatRequest request;
  private final List<Route> candidates;
  private final RetryPolicy retry;
  private final CircuitBreakers breakers;
  private final ScheduledExecutorService timer;
  private final Duration firstToken;
  /** The idle deadline this stream enforces on the answering attempt, or null when its caller does. */
  private final Duration idle;
  private final AttemptListener listener;

  private final AtomicReference<GatewayError> cancelReason = new AtomicReference<>();
  /** Counted down by the first cancel, so that a backoff wait ends at once. */
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private final Object lock = new Object();
  /** The attempt in flight or answering; guarded by {@link #lock}. */
  private Running current;

  // Reading thread only.
  private final ArrayDeque<StreamEvent> ready = new ArrayDeque<>(4);
  private boolean committed;
  private boolean ended;
  /** When the answering attempt last produced an event; read by the idle check on the timer thread. */
  private volatile long lastEventNanos;
  /** The pending idle check of the answering attempt, or null. */
  private volatile ScheduledFuture<?> idleCheck;
  /** Attempts that failed before one answered; read by the relay once the stream ended. */
  private volatile int failedAttempts;

  /** One attempt and its upstream stream; {@code ended} once its terminal event was read (reading thread). */
  private static final class Running {
    final Attempt attempt;
    final EventStream stream;
    boolean ended;

    Running(Attempt attempt, EventStream stream) {
      this.attempt = attempt;
      this.stream = stream;
    }
  }

  RetryingStream(ChatRequest request, List<Route> candidates, RetryPolicy retry, CircuitBreakers breakers,
      ScheduledExecutorService timer, Duration firstToken, Duration idle, AttemptListener listener) {
    this.request = request;
    this.candidates = candidates;
    this.retry = retry;
    this.breakers = breakers;
    this.timer = timer;
    this.firstToken = firstToken;
    this.idle = idle;
    this.listener = listener;
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
    }
    return event;
  }

  @Override
  public boolean ready() {
    return peekReady() != null;
  }

  /**
   * The event {@link #next()} would return without blocking, or null if it would block: a held
   * event, or one the answering attempt has ready, read ahead into {@link #ready}. Reading thread.
   */
  StreamEvent peekReady() {
    if (ended) return null;
    StreamEvent held = ready.peek();
    if (held != null || !committed) return held;
    Running answering;
    synchronized (lock) {
      answering = current;
    }
    if (answering == null || !answering.stream.ready()) return null;
    StreamEvent next = fromAnswering();
    if (next != null) ready.add(next);
    return next;
  }

  /** Whether an attempt produced its first token: from then on this stream relays that attempt. Reading thread. */
  boolean answered() {
    return committed;
  }

  private StreamEvent fromAnswering() {
    Running answering;
    synchronized (lock) {
      answering = current;
    }
    if (answering != null) {
      StreamEvent event = read(answering);
      lastEventNanos = System.nanoTime();
      return event;
    }
    // Closed before its end: the close's cancel is the reason.
    GatewayError reason = cancelReason.get();
    return new Failed(reason != null ? reason : GatewayError.of(ErrorType.CANCELLED, "stream closed"));
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
      for (int number = 1; ; number++) {
        GatewayError stop = cancelReason.get();
        if (stop != null) return new Failed(stop);
        CircuitBreakers.Permit permit = breakers.acquire(name);
        if (permit == null) {
          log.info("{}: circuit open, skipping to the next candidate", name);
          open.add(name);
          break;
        }
        var attempt = new Attempt(route, c, number);
        GatewayError error = attempt(attempt, permit);
        if (error == null) return ready.poll();
        failedAttempts++;
        stop = cancelReason.get();
        if (stop != null) return new Failed(stop);
        last = error;
        if (!RetryPolicy.retryable(error)) return new Failed(error);
        if (number >= retry.attempts()) {
          log.info("{}: attempt {} failed ({}); attempts spent", name, number, error.message());
          break;
        }
        Duration wait = retry.delay(number, error.retryAfter(), ThreadLocalRandom.current());
        if (wait == null) {
          log.info("{}: upstream asks to wait {} ms, more than the {} ms allowed; not retrying it", name,
              error.retryAfter().toMillis(), retry.maxRetryAfter().toMillis());
          break;
        }
        if (System.nanoTime() + wait.toNanos() - budgetEnd > 0) {
          log.info("{}: a retry in {} ms would exceed the retry budget; not retrying it", name, wait.toMillis());
          break;
        }
        log.info("{}: attempt {} failed ({}); retrying in {} ms", name, number, error.message(), wait.toMillis());
        listener.retrying(attempt, error, wait);
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
  private GatewayError attempt(Attempt attempt, CircuitBreakers.Permit permit) {
    Route route = attempt.route();
    var running = new Running(attempt, route.provider().stream(request.withModel(route.upstreamModel())));
    EventStream stream = running.stream;
    synchronized (lock) {
      current = running;
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
      StreamEvent event = firstRead(running);
      while (true) {
        if (event == null || event instanceof Failed) {
          GatewayError error = event == null
              ? GatewayError.of(ErrorType.UPSTREAM_ERROR, "upstream stream ended without a terminal event")
              : ((Failed) event).error();
          if (cancelReason.get() == null && RetryPolicy.retryable(error)) permit.failed(error.message());
          else permit.released();
          return error;
        }
        if (event instanceof Started s) {
          held.add(s.provider() == null ? s.withProvider(route.provider().name()) : s);
        } else if (!(event instanceof TextDelta || event instanceof ToolCallDelta || event instanceof Finished)) {
          // Usage before any token: rare, kept in order.
          held.add(event);
        } else if (!race.compareAndSet(WAITING, ANSWERED)) {
          // The deadline fired as this token arrived: the attempt is cancelled, its token never shown.
          permit.failed(timeout.message());
          return timeout;
        } else {
          permit.succeeded();
          committed = true;
          listener.attemptAnswered(attempt);
          ready.addAll(held);
          ready.add(event);
          if (idle != null) watchIdle(running);
          return null;
        }
        event = read(running);
      }
    } finally {
      deadline.cancel(false);
      if (!committed) closeCurrent();
    }
  }

  /** The attempt's first read, which sends its request; the listener brackets it. */
  private StreamEvent firstRead(Running running) {
    listener.attemptStarted(running.attempt);
    try {
      return read(running);
    } finally {
      listener.attemptResponded(running.attempt);
    }
  }

  /** Reads the attempt's next event and tells the listener what it says about the attempt. */
  private StreamEvent read(Running running) {
    StreamEvent event = running.stream.next();
    if (event == null || running.ended) return event;
    Attempt attempt = running.attempt;
    switch (event) {
      case Started s when s.model() != null -> listener.responseModel(attempt, s.model());
      case UsageReport u -> listener.usageReported(attempt, u.usage());
      case Finished f -> {
        running.ended = true;
        listener.attemptFinished(attempt, f.reason());
      }
      case Failed f -> {
        running.ended = true;
        listener.attemptFailed(attempt, f.error());
      }
      default -> { }
    }
    return event;
  }

  private void watchIdle(Running answering) {
    lastEventNanos = System.nanoTime();
    GatewayError stalled = idleTimeout(answering.attempt.route());
    idleCheck = timer.schedule(() -> checkIdle(answering.stream, stalled), idle.toNanos(), TimeUnit.NANOSECONDS);
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
    long start = System.nanoTime();
    cancelled.countDown();
    Running attempt;
    synchronized (lock) {
      attempt = current;
    }
    if (attempt != null) attempt.stream.cancel(reason);
    listener.cancelled(reason, System.nanoTime() - start);
  }

  @Override
  public void close() {
    if (!ended) cancel(GatewayError.of(ErrorType.CANCELLED, "stream closed before its end"));
    closeCurrent();
  }

  private void closeCurrent() {
    ScheduledFuture<?> check = idleCheck;
    if (check != null) check.cancel(false);
    Running attempt;
    synchronized (lock) {
      attempt = current;
      current = null;
    }
    if (attempt == null) return;
    try {
      attempt.stream.close();
    } finally {
      if (!attempt.ended) listener.attemptClosed(attempt.attempt);
    }
  }
}
