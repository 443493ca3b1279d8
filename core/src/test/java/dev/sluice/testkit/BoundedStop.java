package dev.sluice.testkit;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Stops what a test started (a Jetty server or client, a gateway) within a time limit: a stop that
 * hangs fails the test, with the stack of the stopping thread in its message and those of the threads
 * that run Jetty code on standard error, instead of hanging the build.
 *
 * <p>Why: Jetty's {@code ManagedSelector.doStop} waits without a limit for its selector thread to
 * close the connections, and that thread can itself wait without a limit (a full-suite run hung in
 * {@code HttpConnection.SendCallback.cancel}, joining the cancel of a pending write). No Jetty setting
 * bounds that wait ({@code Server.setStopTimeout} bounds only the graceful phase).
 */
public final class BoundedStop {

  /** Longer than any stop of a test's server takes (a gateway drains for 500 ms, then stops Jetty). */
  public static final Duration LIMIT = Duration.ofSeconds(20);

  /** A stop that may throw. */
  @FunctionalInterface
  public interface Stop {
    void run() throws Exception;
  }

  private BoundedStop() {}

  /** Stops {@code component} within {@link #LIMIT}; {@code what} names it in a failure. */
  public static void stop(String what, LifeCycle component) {
    stop(what, LIMIT, component::stop);
  }

  /** Runs {@code stop} within {@link #LIMIT}. */
  public static void stop(String what, Stop stop) {
    stop(what, LIMIT, stop);
  }

  /**
   * Runs {@code stop} on a thread of its own and waits at most {@code limit} for it. Fails with an
   * {@link AssertionError} if it did not end by then (after interrupting it) or if it threw.
   */
  public static void stop(String what, Duration limit, Stop stop) {
    var failure = new AtomicReference<Throwable>();
    Thread stopping = Thread.ofPlatform().daemon().name("stopping " + what).start(() -> {
      try {
        stop.run();
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    boolean ended;
    try {
      ended = stopping.join(limit);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + what + " to stop", e);
    }
    if (!ended) {
      String stack = stackOf(stopping.getStackTrace());
      System.err.println(what + " did not stop within " + limit.toMillis() + " ms; the threads running Jetty code:\n"
          + jettyThreads());
      stopping.interrupt();
      throw new AssertionError(what + " did not stop within " + limit.toMillis() + " ms (the threads running Jetty "
          + "code are on standard error); the stopping thread was at:\n" + stack);
    }
    if (failure.get() != null) throw new AssertionError(what + " failed to stop", failure.get());
  }

  private static String jettyThreads() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().startsWith("org.eclipse.jetty")))
        .map(BoundedStop::describe)
        .collect(Collectors.joining("\n"));
  }

  private static String describe(Map.Entry<Thread, StackTraceElement[]> thread) {
    return "\"" + thread.getKey().getName() + "\" " + thread.getKey().getState() + "\n" + stackOf(thread.getValue());
  }

  private static String stackOf(StackTraceElement[] frames) {
    return Arrays.stream(frames).limit(40).map(f -> "    at " + f).collect(Collectors.joining("\n"));
  }
}
