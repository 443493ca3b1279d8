package dev.sluice.provider;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what is left of a response body after the upstream's terminator, so that its HTTP/1.1
 * connection goes back to the pool: the body normally ends within microseconds of the terminator
 * (often in the same read). One that sends more than {@link #MAX_BYTES} or does not end within
 * {@link #GRACE} is aborted, which closes its connection. Never blocks: the first read is on the
 * caller's thread, later ones on whichever thread Jetty delivers content on.
 */
final class BodyDrain implements Invocable.Task {
  private static final Logger log = LoggerFactory.getLogger(BodyDrain.class);

  static final Duration GRACE = Duration.ofSeconds(2);
  static final int MAX_BYTES = 64 * 1024;

  private final Request exchange;
  private final Content.Source body;
  private final Scheduler scheduler;
  private final String name;
  private long left = MAX_BYTES;
  /** Armed on the first wait only: a body already at its end schedules nothing. */
  private volatile Scheduler.Task deadline;

  private BodyDrain(Request exchange, Content.Source body, Scheduler scheduler, String name) {
    this.exchange = exchange;
    this.body = body;
    this.scheduler = scheduler;
    this.name = name;
  }

  /** Drains {@code body} of {@code exchange}, an upstream named {@code name}'s. */
  static void start(Request exchange, Content.Source body, Scheduler scheduler, String name) {
    new BodyDrain(exchange, body, scheduler, name).run();
  }

  @Override
  public void run() {
    while (true) {
      Content.Chunk chunk = body.read();
      if (chunk == null) {
        if (deadline == null) deadline = scheduler.schedule(this::expire, GRACE.toMillis(), TimeUnit.MILLISECONDS);
        body.demand(this);
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        // The connection broke after the terminator: the answer was complete; the exchange is over.
        log.debug("upstream '{}' body after its end not drained: {}", name, chunk.getFailure().toString());
        finish();
        exchange.abort(chunk.getFailure());
        return;
      }
      boolean over = chunk.isLast();
      left -= chunk.remaining();
      chunk.release();
      if (over) {
        finish();
        return;
      }
      if (left < 0) {
        finish();
        exchange.abort(new StreamAborted("more than " + MAX_BYTES + " bytes after the terminator"));
        return;
      }
    }
  }

  private void finish() {
    Scheduler.Task armed = deadline;
    if (armed != null) armed.cancel();
  }

  private void expire() {
    exchange.abort(new StreamAborted("body not ended " + GRACE.toMillis() + " ms after its terminator"));
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }
}
