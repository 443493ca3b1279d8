package dev.sluice.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JettyStopTest {

  private final Server jetty = new Server();
  /** Released by a test (or at its end) to let a hung stop finish. */
  private final CountDownLatch letItStop = new CountDownLatch(1);

  JettyStopTest() {
    jetty.addConnector(new ServerConnector(jetty));
  }

  @AfterEach
  void release() {
    letItStop.countDown();
  }

  @Test
  void stopsAJettyThatStopsInTime() throws Exception {
    jetty.start();

    assertThat(JettyStop.stop(jetty, Duration.ofSeconds(10))).isTrue();
    assertThat(jetty.isStopped()).isTrue();
  }

  @Test
  void givesUpOnAStopThatHangsAndLeavesItToFinishOnItsOwn() throws Exception {
    var stopEntered = new CountDownLatch(1);
    jetty.addBean(new AbstractLifeCycle() {
      @Override
      protected void doStop() throws Exception {
        stopEntered.countDown();
        letItStop.await(); // as Jetty's selector waits on a write that never completes
      }
    });
    jetty.start();

    assertThat(JettyStop.stop(jetty, Duration.ofMillis(200))).as("the gateway goes on stopping without Jetty").isFalse();
    assertThat(stopEntered.getCount()).isZero();
    assertThat(jetty.isStopping()).as("Jetty is still stopping on its own thread").isTrue();

    letItStop.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!jetty.isStopped()) {
      assertThat(System.nanoTime()).as("the stop finished once released").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void rethrowsTheFailureOfAStopThatEndsInTime() throws Exception {
    jetty.addBean(new AbstractLifeCycle() {
      @Override
      protected void doStop() {
        throw new IllegalStateException("this part cannot stop");
      }
    });
    jetty.start();

    assertThatThrownBy(() -> JettyStop.stop(jetty, Duration.ofSeconds(10))).hasStackTraceContaining("this part cannot stop");
  }
}
