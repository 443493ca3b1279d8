package dev.sluice.server.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;
import org.junit.jupiter.api.Test;

/**
 * The client channel on a real Jetty connection: what goes on the wire for a stream and for a
 * whole answer, the heartbeat, the sticky first failure, the last-write hooks, and when an idle
 * timeout means the client stopped reading.
 */
class ClientChannelTest {
  /** A hang guard: every awaited thing happens within milliseconds. */
  private static final long BOUND_SECONDS = 5;
  /** Kernel buffers this small on both sides fill up after a few dozen KiB. */
  private static final int SMALL_BUFFER = 16 * 1024;
  /** Far more than the small buffers between the channel and a client that does not read hold. */
  private static final String BIG = "x".repeat(1 << 20);
  private static final String LAST_CHUNK = "\r\n0\r\n\r\n";

  private static String head(String response) {
    return response.substring(0, response.indexOf("\r\n\r\n") + 2).toLowerCase(Locale.ROOT);
  }

  @Test
  void framesEventsAsAnEventStreamThatNoCacheOrProxyHoldsBack() throws Exception {
    var committedBeforeTheFirstEvent = new CompletableFuture<Boolean>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      var channel = new ClientChannel(response);
      committedBeforeTheFirstEvent.complete(channel.committed());
      channel.event("delta", "st_1:0", "hello");
      byte[] json = "[{\"n\":1}]".getBytes(StandardCharsets.UTF_8);
      channel.event(null, null, json, 1, json.length - 2);
      channel.comment("still here");
      channel.finish();
    }); var client = RawConnection.open(jetty.port())) {
      String response = client.post("/", "").readUntil(LAST_CHUNK);
      assertThat(committedBeforeTheFirstEvent.get(BOUND_SECONDS, TimeUnit.SECONDS)).isFalse();
      assertThat(response).startsWith("HTTP/1.1 200 ")
          .contains("event: delta\nid: st_1:0\ndata: hello\n\n", "data: {\"n\":1}\n\n", ": still here\n");
      assertThat(head(response)).contains("content-type: text/event-stream; charset=utf-8\r\n",
          "cache-control: no-cache\r\n", "x-accel-buffering: no\r\n", "transfer-encoding: chunked\r\n");
    }
  }

  @Test
  void sendsHeadersSetBeforeTheStreamCommitsAndIgnoresLaterOnes() throws Exception {
    var committed = new CompletableFuture<Boolean>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      var channel = new ClientChannel(response);
      channel.header("x-before", "sent");
      channel.event(null, null, "one");
      committed.complete(channel.committed());
      channel.header("x-after", "too late");
      channel.finish();
    }); var client = RawConnection.open(jetty.port())) {
      String response = client.post("/", "").readUntil(LAST_CHUNK);
      assertThat(committed.get(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(head(response)).contains("x-before: sent\r\n").doesNotContain("x-after");
    }
  }

  @Test
  void answersAWholeBodyWithItsLengthAndARetryAfterInWholeSecondsRoundedUp() throws Exception {
    try (var jetty = LoopbackJetty.start((request, response) -> {
      var channel = new ClientChannel(response);
      switch (Request.getPathInContext(request)) {
        case "/after-1001-ms" -> channel.respond(429, "application/json", "{\"é\":1}", Duration.ofMillis(1001));
        case "/after-1-ms" -> channel.respond(503, "application/json", "{}", Duration.ofMillis(1));
        default -> channel.respond(204, null, "");
      }
    }); var client = RawConnection.open(jetty.port())) {
      String limited = client.post("/after-1001-ms", "").readUntil("{\"\u00c3\u00a9\":1}"); // é in UTF-8, read as ISO-8859-1
      assertThat(limited).startsWith("HTTP/1.1 429 ");
      assertThat(head(limited)).contains("content-type: application/json\r\n", "retry-after: 2\r\n", "content-length: 8\r\n");
      String overloaded = client.post("/after-1-ms", "").readUntil("\r\n\r\n{}");
      assertThat(head(overloaded)).as("never 0, which would mean now").contains("retry-after: 1\r\n");
      String empty = client.post("/", "").readUntil("\r\n\r\n");
      assertThat(empty).startsWith("HTTP/1.1 204 ");
      assertThat(head(empty)).doesNotContain("content-type", "retry-after");
    }
  }

  @Test
  void refusesAWholeBodyOnceTheStreamCommittedAndGoesOnStreaming() throws Exception {
    var refusal = new CompletableFuture<Throwable>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      var channel = new ClientChannel(response);
      channel.event(null, null, "one");
      try {
        channel.respond(500, "application/json", "{}");
        refusal.complete(null);
      } catch (IllegalStateException e) {
        refusal.complete(e);
      }
      channel.event(null, null, "two");
      channel.finish();
    }); var client = RawConnection.open(jetty.port())) {
      String response = client.post("/", "").readUntil(LAST_CHUNK);
      assertThat(refusal.get(BOUND_SECONDS, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
      assertThat(response).startsWith("HTTP/1.1 200 ").contains("data: one\n\n", "data: two\n\n").doesNotContain("{}");
    }
  }

  @Test
  void sendsFramedEventsByteForByteAndCountsThem() throws Exception {
    byte[] framed = "id: st_1:7\ndata: {\"text\":\"é\"}\n\n".getBytes(StandardCharsets.UTF_8);
    var counted = new CompletableFuture<Long>();
    var writeTimesAdvanced = new CompletableFuture<Boolean>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      var channel = new ClientChannel(response);
      long created = channel.lastWriteNanos();
      channel.framed(framed);
      long afterFirst = channel.lastWriteNanos();
      channel.framed(framed);
      writeTimesAdvanced.complete(created < afterFirst && afterFirst < channel.lastWriteNanos());
      counted.complete(channel.bytesWritten());
      channel.finish();
    }); var client = RawConnection.open(jetty.port())) {
      String response = client.post("/", "").readUntil(LAST_CHUNK);
      String onTheWire = new String(framed, StandardCharsets.ISO_8859_1);
      assertThat(response.split(Pattern.quote(onTheWire), -1)).as("both framed events, unchanged").hasSize(3);
      assertThat(head(response)).contains("content-type: text/event-stream; charset=utf-8\r\n");
      assertThat(counted.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(2L * framed.length);
      assertThat(writeTimesAdvanced.get(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void heartbeatsWithAPingCommentUnlessTheDialectNamesItsOwnEvent() throws Exception {
    var sent = new CopyOnWriteArrayList<Boolean>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      var channel = new ClientChannel(response);
      sent.add(channel.heartbeat());
      channel.heartbeatAs("ping", "{\"type\": \"ping\"}");
      sent.add(channel.heartbeat());
      channel.finish();
    }); var client = RawConnection.open(jetty.port())) {
      String response = client.post("/", "").readUntil(LAST_CHUNK);
      assertThat(head(response)).as("a heartbeat first commits the stream")
          .contains("content-type: text/event-stream; charset=utf-8\r\n");
      assertThat(response).contains(": ping\n", "event: ping\ndata: {\"type\": \"ping\"}\n\n");
      assertThat(sent).containsExactly(true, true);
    }
  }

  /** A heartbeat that comes as the stream ends finds it ended: nothing is written after the last write. */
  @Test
  void writesNoHeartbeatAfterTheLastWrite() throws Exception {
    var afterTheEnd = new CompletableFuture<Object>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      var channel = new ClientChannel(response);
      channel.event(null, null, "one");
      channel.finish();
      long written = channel.bytesWritten();
      try {
        afterTheEnd.complete(List.of(channel.heartbeat(), channel.bytesWritten() - written));
      } catch (RuntimeException e) {
        afterTheEnd.complete(e);
      }
    }); var client = RawConnection.open(jetty.port())) {
      client.post("/", "").readUntil(LAST_CHUNK);
      assertThat(afterTheEnd.get(BOUND_SECONDS, TimeUnit.SECONDS)).as("not gone, and no byte more").isEqualTo(List.of(true, 0L));
    }
  }

  /** A heartbeat is for a quiet stream: a write in progress, even one blocked on the client, is activity enough. */
  @Test
  void skipsAHeartbeatWhileAnotherWriteIsInProgress() throws Exception {
    var inProgress = new AtomicInteger();
    var published = new CompletableFuture<ClientChannel>();
    try (var jetty = LoopbackJetty.start(SMALL_BUFFER, (request, response) -> {
      var channel = new ClientChannel(response, inProgress);
      published.complete(channel);
      channel.event(null, null, BIG);
      channel.finish();
    }); var client = RawConnection.open(jetty.port(), SMALL_BUFFER)) {
      client.post("/", "");
      ClientChannel channel = published.get(BOUND_SECONDS, TimeUnit.SECONDS);
      Waits.until(() -> inProgress.get() == 1, "the big write is in progress, blocked on a client that reads nothing");
      long written = channel.bytesWritten();
      assertThat(CompletableFuture.supplyAsync(channel::heartbeat).get(BOUND_SECONDS, TimeUnit.SECONDS))
          .as("at once, and the client is not known to be gone").isTrue();
      assertThat(channel.bytesWritten()).isEqualTo(written);
      String response = client.readUntil(LAST_CHUNK);
      assertThat(response).contains(BIG).doesNotContain(": ping");
      Waits.until(() -> inProgress.get() == 0, "the write counted itself out");
    }
  }

  @Test
  void failsEveryWriteAfterTheFirstFailureTheSameWay() throws Exception {
    var streaming = new CountDownLatch(1);
    var reset = new CountDownLatch(1);
    var failures = new CompletableFuture<List<Object>>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      var channel = new ClientChannel(response);
      channel.event(null, null, "one");
      streaming.countDown();
      reset.await(BOUND_SECONDS, TimeUnit.SECONDS);
      IOException first = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
      while (first == null && System.nanoTime() < deadline) {
        try {
          channel.event(null, null, "more"); // into the kernel's buffer until the reset reaches it
        } catch (IOException e) {
          first = e;
        }
      }
      IOException later = null;
      try {
        channel.framed("data: again\n\n".getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        later = e;
      }
      IOException last = null;
      try {
        channel.finish();
      } catch (IOException e) {
        last = e;
      }
      failures.complete(Arrays.asList(first, later, last, channel.heartbeat()));
    }); var client = RawConnection.open(jetty.port())) {
      client.post("/", "").readUntil("data: one\n\n");
      streaming.await(BOUND_SECONDS, TimeUnit.SECONDS);
      client.reset();
      reset.countDown();
      List<Object> seen = failures.get(2 * BOUND_SECONDS, TimeUnit.SECONDS);
      assertThat(seen.get(0)).as("a write to a reset connection fails").isInstanceOf(IOException.class);
      assertThat(seen.get(1)).as("a later write").isSameAs(seen.get(0));
      assertThat(seen.get(2)).as("the last write").isSameAs(seen.get(0));
      assertThat(seen.get(3)).as("a heartbeat says the client is gone").isEqualTo(false);
    }
  }

  /**
   * The hooks (the disconnect watch letting go, a stream leaving the registry) run once, in the
   * order added, just before the last write whichever way it comes, and never before.
   */
  @Test
  void runsItsLastWriteHooksOnceInOrderJustBeforeTheLastWrite() throws Exception {
    var calls = new CopyOnWriteArrayList<String>();
    var written = new CompletableFuture<Long>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      var channel = new ClientChannel(response);
      String path = Request.getPathInContext(request);
      channel.beforeLastWrite(() -> calls.add(path + " first, " + channel.bytesWritten() + " bytes out"));
      channel.beforeLastWrite(() -> calls.add(path + " second"));
      if (path.equals("/stream")) {
        channel.event(null, null, "one");
        channel.event(null, null, "two");
        channel.finish();
        channel.finish(); // a redundant end, which Jetty ignores: the hooks do not run again
      } else {
        channel.respond(200, "text/plain", "whole");
        written.complete(channel.bytesWritten());
      }
    }); var client = RawConnection.open(jetty.port())) {
      client.post("/stream", "").readUntil(LAST_CHUNK);
      client.post("/whole", "").readUntil("\r\n\r\nwhole");
      assertThat(written.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(5);
    }
    assertThat(calls).containsExactly(
        "/stream first, 22 bytes out", "/stream second",
        "/whole first, 0 bytes out", "/whole second");
  }

  /**
   * Waiting for an upstream is idle by design and must survive the connection's idle timeout; a
   * write the client does not accept for that long fails, counted from the write's start.
   */
  @Test
  void idleTimeoutIsFatalOnlyWhileAWriteIsBlocked() throws Exception {
    Duration writeTimeout = Duration.ofMillis(200);
    var whileWaiting = new CompletableFuture<Boolean>();
    var blockedWrite = new CompletableFuture<Long>();
    try (var jetty = LoopbackJetty.start(SMALL_BUFFER, (request, response) -> {
      var channel = new ClientChannel(response);
      request.addIdleTimeoutListener(timeout -> {
        boolean fatal = channel.idleTimeoutIsFatal(timeout);
        whileWaiting.complete(fatal);
        return fatal;
      });
      LoopbackJetty.idleTimeout(request, writeTimeout);
      whileWaiting.get(BOUND_SECONDS, TimeUnit.SECONDS);
      channel.event(null, null, "first token");
      long start = System.nanoTime();
      try {
        channel.event(null, null, BIG);
        blockedWrite.completeExceptionally(new AssertionError("a client that reads nothing took a MiB"));
      } catch (IOException e) {
        blockedWrite.complete(System.nanoTime() - start);
      }
    }); var client = RawConnection.open(jetty.port(), SMALL_BUFFER)) {
      client.post("/", "").readUntil("data: first token\n\n");
      assertThat(whileWaiting.get(BOUND_SECONDS, TimeUnit.SECONDS)).as("an idle timeout while waiting is fatal").isFalse();
      long failedAfter = blockedWrite.get(BOUND_SECONDS, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(failedAfter)).isGreaterThanOrEqualTo(writeTimeout);
    }
  }

  /**
   * On h2c each stream has an idle timer of its own (the write timeout): a client that reads
   * steadily but slowly, whose writes wait on its flow-control window, keeps its stream, since each
   * write restarts that timer before it is pending and each frame sent restarts it again.
   */
  @Test
  void aSteadyButSlowH2cReaderIsNotCutByTheWriteTimeout() throws Exception {
    // Long against the reader's pauses, which a loaded machine stretches: a write that stalls this long is cut.
    Duration writeTimeout = Duration.ofSeconds(1);
    String event = "y".repeat(32 * 1024);
    var written = new CompletableFuture<Integer>();
    try (var jetty = LoopbackJetty.start((request, response) -> {
      var channel = new ClientChannel(response);
      request.addIdleTimeoutListener(channel::idleTimeoutIsFatal);
      request.addHttpStreamWrapper(stream -> {
        stream.setIdleTimeout(writeTimeout.toMillis()); // the connector's idle timeout, as Sluice's is
        return stream;
      });
      int n = 0;
      try {
        // About 40 ms a write: the slow reader takes a 16 KiB window every 20 ms.
        for (; n < 20; n++) channel.event(null, null, event);
        channel.finish();
      } finally {
        written.complete(n);
      }
    }); var client = H2cConnection.open(jetty.port(), Duration.ofMillis(20))) {
      H2cConnection.Reply reply = client.post("/", "");
      assertThat(written.get(30, TimeUnit.SECONDS)).as("events written before a write failed").isEqualTo(20);
      assertThat(reply.body().get(BOUND_SECONDS, TimeUnit.SECONDS)).hasSize(20 * (event.length() + 8));
    }
  }

  /**
   * Jetty fails by itself a write that is pending when the idle timeout expires, and asks the
   * channel only when none is. A write that begins just as Jetty asks is not one the client
   * refused: the listener is held here until the write is in progress, so that the race, rare in
   * production, happens every time.
   */
  @Test
  void doesNotFailAWriteThatBeginsAsAnIdleTimeoutExpires() throws Exception {
    var inProgress = new AtomicInteger();
    var verdict = new CompletableFuture<Boolean>();
    var write = new CompletableFuture<Void>();
    try (var jetty = LoopbackJetty.start(SMALL_BUFFER, (request, response) -> {
      var channel = new ClientChannel(response, inProgress);
      var expiring = new CountDownLatch(1);
      request.addIdleTimeoutListener(timeout -> {
        if (verdict.isDone()) return channel.idleTimeoutIsFatal(timeout);
        expiring.countDown();
        try {
          Waits.until(() -> inProgress.get() == 1, "the write began while Jetty asked");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        verdict.complete(channel.idleTimeoutIsFatal(timeout));
        return verdict.join();
      });
      LoopbackJetty.idleTimeout(request, Duration.ofMillis(200));
      expiring.await(BOUND_SECONDS, TimeUnit.SECONDS);
      try {
        channel.event(null, null, BIG);
        write.complete(null);
      } catch (IOException e) {
        write.completeExceptionally(e);
      }
      channel.finish();
    }); var client = RawConnection.open(jetty.port(), SMALL_BUFFER)) {
      client.post("/", "");
      assertThat(verdict.get(BOUND_SECONDS, TimeUnit.SECONDS)).as("fatal, for a write that had just begun").isFalse();
      assertThat(client.readUntil(LAST_CHUNK)).contains(BIG);
      write.get(BOUND_SECONDS, TimeUnit.SECONDS);
    }
  }
}
