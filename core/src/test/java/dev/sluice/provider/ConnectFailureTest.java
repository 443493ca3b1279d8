package dev.sluice.provider;

import static dev.sluice.testkit.ProviderTestSupport.DEADLINE;
import static dev.sluice.testkit.ProviderTestSupport.KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.openai.OpenAiConfig;
import dev.sluice.provider.openai.OpenAiProvider;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.testkit.BacklogUpstream;
import dev.sluice.testkit.BoundedStop;
import dev.sluice.testkit.ProviderTestSupport;
import dev.sluice.testkit.Transcript;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connection attempts that fail, against a real listener whose accept queue is full (the kernel then
 * answers no handshake, as an overloaded upstream's does): a stream that got no connection fails as a
 * retryable connect error; the failed attempt of one connection never fails a stream another
 * connection is serving; and a connection that opens after its stream was cancelled is closed, not pooled.
 */
class ConnectFailureTest {

  /** Short enough for a quick test, long enough that a loopback handshake never takes it. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
  private static final Duration PROBE = Duration.ofMillis(300);

  private final List<AutoCloseable> opened = new ArrayList<>();
  /** Released at the end of every test, so that a listener the race holds never outlives it. */
  private final CountDownLatch goOn = new CountDownLatch(1);

  @AfterEach
  void close() throws Exception {
    goOn.countDown();
    for (AutoCloseable c : opened.reversed()) c.close();
  }

  @Test
  void aStreamWhoseUpstreamAcceptsNoConnectionFailsAsARetryableConnectTimeout() throws Exception {
    BacklogUpstream upstream = open(BacklogUpstream.open());
    upstream.fillBacklog(PROBE);
    HttpClient client = started(UpstreamHttp.newClient(CONNECT_TIMEOUT));

    GatewayError e = Transcript.drain(provider(client, upstream.baseUrl()).stream(ProviderTestSupport.hello("m")),
        DEADLINE).failure();

    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_TIMEOUT);
    assertThat(e.code()).isEqualTo("connect");
    assertThat(e.message()).isEqualTo("upstream 'test' did not accept a connection in time");
    assertThat(e.retryable()).isTrue();
  }

  @Test
  void aConnectTimeoutOfAnotherConnectionDoesNotFailAStreamThatIsBeingAnswered() throws Exception {
    HttpClient client = started(UpstreamHttp.newClient(CONNECT_TIMEOUT));
    Race race = raceAnAnsweredStreamAgainstAFailedConnect(client);

    race.connection.write(chunk(sse("{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
        + "\"finish_reason\":\"stop\"}]}") + sse("[DONE]")) + "0\r\n\r\n");

    assertThat(race.next()).isEqualTo(TextDelta.content("Hi"));
    assertThat(race.next()).isInstanceOf(Finished.class);
  }

  @Test
  void aConnectTimeoutThatReachesAStreamAfterItsHeadersIsARetryableConnectFailureNotABrokenStream() throws Exception {
    // Jetty's own transport, which still fails the answered stream with the other connection's timeout.
    var connector = new ClientConnector();
    HttpClient client = started(UpstreamHttp.newClient(CONNECT_TIMEOUT,
        new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11)));
    Race race = raceAnAnsweredStreamAgainstAFailedConnect(client);

    StreamEvent end = race.next();

    assertThat(end).isInstanceOf(Failed.class);
    GatewayError e = ((Failed) end).error();
    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_TIMEOUT);
    assertThat(e.code()).isEqualTo("connect");
    assertThat(e.message()).doesNotContain("mid-stream");
    assertThat(e.retryable()).isTrue();
  }

  @Test
  void aStreamCancelledWhileItsConnectionIsOpeningLeavesNoConnectionInThePool() throws Exception {
    BacklogUpstream upstream = open(BacklogUpstream.open());
    upstream.fillBacklog(PROBE);
    // Longer than the kernel's first resend of an unanswered handshake (1 s), which is what opens the connection.
    HttpClient client = started(UpstreamHttp.newClient(Duration.ofSeconds(5)));
    var stream = provider(client, upstream.baseUrl()).stream(ProviderTestSupport.hello("m"));
    opened.add(stream::close);
    var ended = new LinkedBlockingQueue<StreamEvent>();
    Thread.ofVirtual().name("stream-reader").start(() -> {
      for (StreamEvent e; (e = stream.next()) != null; ) ended.add(e);
    });
    await(() -> !client.getDestinations().isEmpty()
        && ((AbstractConnectionPool) client.getDestinations().getFirst().getConnectionPool()).getPendingConnectionCount() == 1,
        "the stream's connection attempt");

    stream.cancel(ProviderTestSupport.CLIENT_LEFT);
    assertThat(ended.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(new Failed(ProviderTestSupport.CLIENT_LEFT));
    upstream.drainBacklog(DEADLINE);
    BacklogUpstream.Conn late = upstream.accept(DEADLINE);

    // Jetty would pool it, unused, for its idle timeout (30 s): the gateway closes it at once.
    assertThat(late.closedByClient(DEADLINE)).as("the client closed the connection it no longer needed").isTrue();
  }

  /** A stream with its headers and first event in, and a connection of its destination that failed to open. */
  private record Race(BacklogUpstream.Conn connection, BlockingQueue<StreamEvent> events) {
    StreamEvent next() throws InterruptedException {
      StreamEvent event = events.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(event).as("an event of the stream within " + DEADLINE).isNotNull();
      return event;
    }
  }

  /**
   * Sets up, step by step, what thousands of opens at once did by chance: Jetty fails the requests
   * queued at a destination with the failure of one connection attempt, one by one from a copy of the
   * queue; the stream is in the copy, but another connection takes it from the queue and the upstream
   * answers it before the loop comes to it. A request queued before the stream holds the loop (its
   * failure listener waits) until the stream has its first event; one queued after it shows when the
   * loop has passed the stream. Returns once it has.
   */
  private Race raceAnAnsweredStreamAgainstAFailedConnect(HttpClient client) throws Exception {
    client.setMaxConnectionsPerDestination(2);
    BacklogUpstream upstream = open(BacklogUpstream.open());
    URI base = upstream.baseUrl();
    // Two requests hold the two connections the destination may have.
    plain(client, base).send(result -> { });
    BacklogUpstream.Conn first = upstream.accept(DEADLINE);
    first.readRequest(DEADLINE);
    plain(client, base).send(result -> { });
    BacklogUpstream.Conn second = upstream.accept(DEADLINE);
    second.readRequest(DEADLINE);
    upstream.fillBacklog(PROBE);

    var failing = new CountDownLatch(1);
    var holderFailure = new AtomicReference<Throwable>();
    plain(client, base).send(result -> {
      holderFailure.set(result.getFailure());
      failing.countDown();
      try {
        goOn.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    HttpDestination destination = (HttpDestination) client.getDestinations().getFirst();
    await(() -> destination.getQueuedRequestCount() == 1, "the holding request queued");
    var events = new LinkedBlockingQueue<StreamEvent>();
    var stream = provider(client, base).stream(ProviderTestSupport.hello("m"));
    opened.add(stream::close);
    Thread.ofVirtual().name("stream-reader").start(() -> {
      for (StreamEvent e; (e = stream.next()) != null; ) events.add(e);
    });
    await(() -> destination.getQueuedRequestCount() == 2, "the stream's request queued");
    var passed = new CountDownLatch(1);
    plain(client, base).send(result -> passed.countDown());
    await(() -> destination.getQueuedRequestCount() == 3, "the request behind the stream queued");

    // The second connection closes: the pool opens another for the queue, which the full backlog never answers.
    second.close();
    assertThat(failing.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).as("the connect attempt failed").isTrue();
    assertThat(holderFailure.get()).isInstanceOf(SocketTimeoutException.class).hasMessage("Connect Timeout");

    // The first request is answered: its connection takes the stream from the queue, and the upstream answers it.
    first.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assertThat(first.readRequest(DEADLINE)).startsWith("POST /v1/chat/completions ");
    first.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunk(sse("{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},"
        + "\"finish_reason\":null}]}")));
    var race = new Race(first, events);
    assertThat(race.next()).isInstanceOf(Started.class);

    goOn.countDown();
    assertThat(passed.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).as("the loop reached the last request").isTrue();
    return race;
  }

  private static OpenAiProvider provider(HttpClient client, URI base) {
    return new OpenAiProvider(new OpenAiConfig(new UpstreamConfig("test", base, KEY, List.of(), CONNECT_TIMEOUT,
        DEADLINE)), client);
  }

  private static Request plain(HttpClient client, URI base) {
    return UpstreamHttp.forBaseUrl(client.newRequest(base.resolve("/v1/other")).method(HttpMethod.POST)
        .body(new StringRequestContent("{}")), base);
  }

  private static String sse(String data) {
    return "data: " + data + "\n\n";
  }

  private static String chunk(String text) {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return Integer.toHexString(bytes.length) + "\r\n" + text + "\r\n";
  }

  private HttpClient started(HttpClient client) {
    UpstreamHttp.started(client);
    opened.add(() -> BoundedStop.stop("the upstream client", client));
    return client;
  }

  private <T extends AutoCloseable> T open(T closeable) {
    opened.add(closeable);
    return closeable;
  }

  /** Waits for {@code condition}, checking every millisecond, up to {@link ProviderTestSupport#DEADLINE}. */
  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - end).as("waiting for " + what).isNegative();
      Thread.sleep(1);
    }
  }
}
