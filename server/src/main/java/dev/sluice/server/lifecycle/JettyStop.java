package dev.sluice.server.lifecycle;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops Jetty within a time limit, so that a stop that hangs cannot keep the gateway from flushing
 * its ledger and exiting.
 *
 * <p>Why: Jetty's {@code ManagedSelector.doStop} waits without a limit for its selector thread to
 * close the connections, and that thread can itself wait without one: a test run hung in
 * {@code HttpConnection.SendCallback.cancel}, joining the cancel of a write still pending on a client
 * that read nothing. No Jetty setting bounds that wait ({@code Server.setStopTimeout} bounds only the
 * graceful phase, which Sluice does not use). The ledger's queued rows are flushed after Jetty stops,
 * when no stream can add one; a stop hung for good would lose them. So Jetty stops on a thread of its
 * own, and past the limit the gateway says where it hangs and goes on stopping: the rows are flushed,
 * and the connections Jetty still holds are closed by the operating system when the process exits.
 */
public final class JettyStop {
  private static final Logger log = LoggerFactory.getLogger(JettyStop.class);

  private JettyStop() {}

  /**
   * Stops {@code jetty}, waiting at most {@code limit}. Returns true if it stopped in time; false if
   * not, after logging the stack of the stopping thread (which is left to finish, or not, on its own).
   * A stop that fails in time rethrows its failure.
   */
  public static boolean stop(LifeCycle jetty, Duration limit) throws Exception {
    var stopping = new FutureTask<Void>(() -> {
      jetty.stop();
      return null;
    });
    // A daemon: if Jetty never stops, this thread must not keep the process alive.
    Thread stopper = Thread.ofPlatform().daemon().name("sluice-jetty-stop").start(stopping);
    try {
      stopping.get(limit.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) throw cause;
      throw e;
    } catch (TimeoutException e) {
      log.error("Jetty did not stop within {} ms; stopping without it (its connections close with the process). "
          + "The stop waits at:\n{}", limit.toMillis(), Arrays.stream(stopper.getStackTrace()).limit(30)
          .map(frame -> "    at " + frame).collect(Collectors.joining("\n")));
      return false;
    }
  }
}
