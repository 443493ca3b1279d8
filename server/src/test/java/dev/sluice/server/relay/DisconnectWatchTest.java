package dev.sluice.server.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.junit.jupiter.api.Test;

/**
 * The disconnect watch on a real Jetty connection: it sees a client leave by FIN, RST, h2c stream
 * reset or h2c connection drop, before anything was written; it lets go of the connection without
 * harming it; and it tells stray pipelined bytes from a client that left.
 */
class DisconnectWatchTest {
  /** A hang guard: every awaited thing happens within milliseconds. */
  private static final long BOUND_SECONDS = 5;

  /** Starts a watch as the gateway does: at the exchange's start, reads watched once the body is read. */
  private static DisconnectWatch watchAfterTheBody(Request request) throws IOException {
    DisconnectWatch watch = DisconnectWatch.start(request);
    Content.Source.asString(request);
    watch.watchReads();
    return watch;
  }

  private static void await(CountDownLatch latch, String what) throws InterruptedException {
    assertThat(latch.await(BOUND_SECONDS, TimeUnit.SECONDS)).as(what).isTrue();
  }

  /** An exchange that watches its client, then waits with nothing written for the watch to see it leave. */
  private static final class Departure {
    private final CountDownLatch watching = new CountDownLatch(1);
    private final CountDownLatch gone = new CountDownLatch(1);

    void exchange(Request request, Response response) throws Exception {
      watchAfterTheBody(request).onGone(gone::countDown);
      watching.countDown();
      gone.await(BOUND_SECONDS, TimeUnit.SECONDS);
    }

    void awaitWatching() throws InterruptedException {
      await(watching, "the request was watched");
    }

    void awaitGone(String how) throws InterruptedException {
      await(gone, "the " + how + " was seen with nothing written yet");
    }
  }

  /** How an HTTP/1.1 client leaves. */
  @FunctionalInterface
  private interface Leaving {
    void leave(RawConnection client) throws IOException;
  }

  private static void assertSeesAnHttp1ClientLeave(Leaving leaving, String how) throws Exception {
    var departure = new Departure();
    try (var jetty = LoopbackJetty.start(departure::exchange)) {
      RawConnection client = RawConnection.open(jetty.port()).post("/", "hello");
      departure.awaitWatching();
      leaving.leave(client);
      departure.awaitGone(how);
    }
  }

  @Test
  void seesAClientThatClosesAfterTheBody() throws Exception {
    assertSeesAnHttp1ClientLeave(RawConnection::close, "FIN");
  }

  @Test
  void seesAClientThatResetsTheConnection() throws Exception {
    assertSeesAnHttp1ClientLeave(RawConnection::reset, "RST");
  }

  /** An idle connection is not a gone client: the stream may be waiting for a slow first token. */
  @Test
  void seesAClientThatLeavesAfterIdleTimeoutsWentBy() throws Exception {
    var expiries = new CountDownLatch(2);
    var gone = new CountDownLatch(1);
    try (var jetty = LoopbackJetty.start((request, response) -> {
      DisconnectWatch watch = watchAfterTheBody(request);
      watch.onGone(gone::countDown);
      request.addIdleTimeoutListener(timeout -> {
        expiries.countDown();
        return false;
      });
      LoopbackJetty.idleTimeout(request, Duration.ofMillis(100));
      gone.await(BOUND_SECONDS, TimeUnit.SECONDS);
    })) {
      RawConnection client = RawConnection.open(jetty.port()).post("/", "hello");
      await(expiries, "two idle timeouts expired while the stream waited");
      assertThat(gone.getCount()).as("an idle client is not a gone one").isEqualTo(1);
      client.close();
      await(gone, "the watch still reads after the idle timeouts");
    }
  }

  @Test
  void runsOnlyTheLatestActionOnce() throws Exception {
    var watching = new CountDownLatch(1);
    var first = new AtomicInteger();
    var latest = new AtomicInteger();
    var gone = new CountDownLatch(1);
    try (var jetty = LoopbackJetty.start((request, response) -> {
      DisconnectWatch watch = watchAfterTheBody(request);
      watch.onGone(first::incrementAndGet);
      watch.onGone(() -> {
        latest.incrementAndGet();
        gone.countDown();
      });
      watching.countDown();
      gone.await(BOUND_SECONDS, TimeUnit.SECONDS);
    })) {
      RawConnection client = RawConnection.open(jetty.port()).post("/", "hello");
      await(watching, "the request was watched");
      client.reset();
      await(gone, "the RST was seen");
    }
    // Closing the server failed the request too, a second sighting of the same departure.
    assertThat(first).as("a replaced action never runs").hasValue(0);
    assertThat(latest).hasValue(1);
  }

  @Test
  void seesAnH2cStreamReset() throws Exception {
    var departure = new Departure();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      if (Request.getPathInContext(request).equals("/other")) {
        Content.Source.asString(request);
        new ClientChannel(response).event(null, null, "other");
      } else {
        departure.exchange(request, response);
      }
    }); var client = H2cConnection.open(jetty.port())) {
      H2cConnection.Reply reply = client.post("/", "hello");
      departure.awaitWatching();
      client.reset(reply.stream());
      departure.awaitGone("stream reset");
      assertThat(client.post("/other", "hello").body().get(BOUND_SECONDS, TimeUnit.SECONDS))
          .as("the connection's other streams go on").isEqualTo("data: other\n\n");
    }
  }

  @Test
  void seesAnH2cConnectionDrop() throws Exception {
    var departure = new Departure();
    try (var jetty = LoopbackJetty.start(departure::exchange); var client = H2cConnection.open(jetty.port())) {
      client.post("/", "hello");
      departure.awaitWatching();
      client.drop();
      departure.awaitGone("dropped connection");
    }
  }

  /**
   * The watch starts before the stream it protects exists: a client that leaves in between is
   * remembered, and the stream's cancel runs the moment it is set, on the thread that sets it.
   */
  @Test
  void cancelsAStreamThatAttachesAfterTheClientLeft() throws Exception {
    var reading = new CountDownLatch(1);
    var ranAtOnce = new CompletableFuture<Boolean>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      DisconnectWatch watch = DisconnectWatch.start(request);
      var failed = new CountDownLatch(1);
      request.addFailureListener(failure -> failed.countDown()); // after the watch's own, so it runs later
      Content.Source.asString(request);
      watch.watchReads();
      reading.countDown();
      failed.await(BOUND_SECONDS, TimeUnit.SECONDS);
      var cancelled = new AtomicInteger();
      watch.onGone(cancelled::incrementAndGet);
      ranAtOnce.complete(cancelled.get() == 1);
    }); var client = H2cConnection.open(jetty.port())) {
      client.post("/", "hello");
      await(reading, "the request was read");
      client.drop();
      assertThat(ranAtOnce.get(BOUND_SECONDS, TimeUnit.SECONDS)).as("the cancel ran within onGone").isTrue();
    }
  }

  /**
   * A byte the client sends while its response streams (HTTP/1.1 pipelining behind a stream) is
   * read by the watch, one byte and no more: it is not a client leaving, but the connection can no
   * longer be trusted with the request it damaged.
   */
  @Test
  void flagsAStrayBytePipelinedBehindAStreamWithoutCallingTheClientGone() throws Exception {
    var gone = new AtomicInteger();
    var strayBytesSeen = new CompletableFuture<Boolean>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      if (!request.getMethod().equals("POST")) return; // what Jetty made of the damaged request
      DisconnectWatch watch = watchAfterTheBody(request);
      watch.onGone(gone::incrementAndGet);
      var channel = new ClientChannel(response);
      channel.beforeLastWrite(watch::disarm);
      channel.event(null, null, "one");
      Waits.until(watch::strayBytes, "the watch read the pipelined byte");
      strayBytesSeen.complete(true);
      channel.finish();
    }); var client = RawConnection.open(jetty.port())) {
      client.post("/", "hello");
      client.readUntil("data: one\n\n");
      assertThat(strayBytesSeen).isNotDone();
      client.send("XGET /next HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertThat(strayBytesSeen.get(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
      client.readUntil("\r\n0\r\n\r\n");
      assertThat(client.readUntil("\r\n\r\n")).as("the byte after the stray one reached Jetty").startsWith("HTTP/1.1 200");
      assertThat(gone).as("stray bytes are not a client leaving").hasValue(0);
    }
  }

  /**
   * Disarmed just before the last write (as the gateway does, through the channel's last-write
   * hook), the watch gives the kept-alive connection back to Jetty, which reads the next request.
   */
  @Test
  void givesAKeptAliveConnectionBackToJettyForTheNextRequest() throws Exception {
    var gone = new AtomicInteger();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      DisconnectWatch watch = watchAfterTheBody(request);
      watch.onGone(gone::incrementAndGet);
      var channel = new ClientChannel(response);
      channel.beforeLastWrite(watch::disarm);
      channel.event(null, null, Request.getPathInContext(request));
      channel.finish();
    }); var client = RawConnection.open(jetty.port())) {
      for (String path : new String[] {"/first", "/second", "/third", "/fourth"}) {
        client.post(path, "hello");
        assertThat(client.readUntil("\r\n0\r\n\r\n")).startsWith("HTTP/1.1 200").contains("data: " + path + "\n\n");
      }
      // Jetty read each next request, so every earlier exchange was over: none of their watches fired.
      assertThat(gone).as("a disarmed watch never reports the client gone").hasValue(0);
    }
  }

  /**
   * On HTTP/2 the connection's fill interest is Jetty's own frame reader, shared by every stream:
   * disarming a stream's watch must not fail it, or the whole connection would close.
   */
  @Test
  void leavesJettysOwnH2cReaderAloneWhenDisarmed() throws Exception {
    var disarmed = new AtomicInteger();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      DisconnectWatch watch = watchAfterTheBody(request);
      var channel = new ClientChannel(response);
      channel.beforeLastWrite(watch::disarm);
      channel.beforeLastWrite(disarmed::incrementAndGet);
      channel.event(null, null, Request.getPathInContext(request));
      channel.finish();
    }); var client = H2cConnection.open(jetty.port())) {
      for (String path : new String[] {"/first", "/second", "/third"}) {
        assertThat(client.post(path, "hello").body().get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo("data: " + path + "\n\n");
        assertThat(client.closed()).as("the connection after %s", path).isFalse();
      }
    }
    assertThat(disarmed).hasValue(3);
  }
}
