package dev.sluice.server.relay;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/** The relay tests' harness itself: its close never hangs a build, and never hides a stop that failed. */
// Without its bound, close() would wait here for ever: the timeout makes that a failure, not a hang.
@Timeout(value = 15, threadMode = ThreadMode.SEPARATE_THREAD)
class RelayLoopbackTest {

  @Test
  void aServerStopThatHangsFailsTheCloseWithinItsLimitNamingTheStuckStop() throws Exception {
    var release = new CountDownLatch(1);
    RelayLoopback loopback = RelayLoopback.start(Duration.ofMillis(300));
    // A part of the server whose stop waits without end, as Jetty's selector did for a pending write's cancel.
    var stuck = new AbstractLifeCycle() {
      @Override
      protected void doStop() throws Exception {
        release.await();
      }
    };
    stuck.start();
    loopback.server().addBean(stuck, true);
    try {
      assertThatThrownBy(loopback::close).isInstanceOf(AssertionError.class)
          .hasMessageStartingWith("the relay's loopback server did not stop within 300 ms")
          .hasMessageContaining("doStop");
    } finally {
      release.countDown();
    }
  }
}
