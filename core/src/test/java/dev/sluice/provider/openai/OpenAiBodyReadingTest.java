package dev.sluice.provider.openai;

import static dev.sluice.provider.openai.OpenAiTestSupport.hello;
import static dev.sluice.testkit.ProviderTestSupport.CLIENT_LEFT;
import static dev.sluice.testkit.ProviderTestSupport.DEADLINE;
import static dev.sluice.testkit.ProviderTestSupport.assertPrompt;
import static dev.sluice.testkit.ProviderTestSupport.upstreamConfig;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.EventStream;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Finished;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.testkit.BoundedStop;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import dev.sluice.testkit.Transcript;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How the body reaches the parser: on the stream's own thread, which parks while the upstream is
 * silent and wakes when Jetty has content for it; each chunk goes back to the buffer pool once parsed,
 * so a waiting stream holds none. The client's pool tracks every buffer it lends.
 */
class OpenAiBodyReadingTest {

  @RegisterExtension
  final FakeUpstream upstream = FakeUpstream.start();

  private final ArrayByteBufferPool.Tracking pool = new ArrayByteBufferPool.Tracking();
  private HttpClient client;
  private OpenAiProvider provider;

  @BeforeEach
  void startClient() {
    client = UpstreamHttp.newClient(Duration.ofSeconds(2));
    client.setByteBufferPool(pool);
    UpstreamHttp.started(client);
    provider = new OpenAiProvider(new OpenAiConfig(upstreamConfig("test", upstream.baseUrl(), List.of("gpt-4o"))),
        client);
  }

  @AfterEach
  void stopClient() throws Exception {
    BoundedStop.stop("the upstream client", client);
  }

  @Test
  void theReaderParksWhileTheUpstreamIsSilentAndWakesForItsNextChunk() throws Exception {
    upstream.enqueue(Script.openAiText("a", "b").chunkDelay(Duration.ofMillis(300)));
    EventStream stream = provider.stream(hello());
    assertThat(stream.next()).isInstanceOf(Started.class);

    StreamEvent[] got = new StreamEvent[1];
    CompletableFuture<Void> returned = new CompletableFuture<>();
    Thread reader = Thread.ofVirtual().start(() -> {
      got[0] = stream.next();
      returned.complete(null);
    });
    awaitParkedOnTheBody(reader, returned);
    awaitNoBufferHeld();
    assertThat(returned).as("no buffer held while the stream still waits").isNotDone();

    returned.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(got[0]).isEqualTo(TextDelta.content("a"));
    Transcript rest = Transcript.drain(stream, DEADLINE);
    assertThat(rest.content()).isEqualTo("b");
    assertThat(rest.events()).last().isInstanceOf(Finished.class);
  }

  @Test
  void everyChunkGoesBackToThePoolOnceParsed() throws Exception {
    upstream.enqueue(Script.openAiText("one", " two", " three").chunkBytes(7));

    Transcript t = Transcript.drain(provider.stream(hello()), DEADLINE);

    assertThat(t.content()).isEqualTo("one two three");
    awaitNoBufferHeld();
  }

  @Test
  void aCancelWakesAReaderParkedOnTheBodyAndClosesTheConnection() throws Exception {
    upstream.enqueue(Script.openAiText("x", "y").hangAfterChunks(2));
    EventStream stream = provider.stream(hello());
    assertThat(stream.next()).isInstanceOf(Started.class);
    assertThat(stream.next()).isEqualTo(TextDelta.content("x"));
    RecordedRequest request = upstream.awaitRequest(DEADLINE);
    StreamEvent[] got = new StreamEvent[1];
    CompletableFuture<Long> returned = new CompletableFuture<>();
    Thread reader = Thread.ofVirtual().start(() -> {
      got[0] = stream.next();
      returned.complete(System.nanoTime());
    });
    awaitParkedOnTheBody(reader, returned);

    long cancelledAt = System.nanoTime();
    stream.cancel(CLIENT_LEFT);

    assertPrompt(cancelledAt, returned.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS), "the parked reader woke");
    assertPrompt(cancelledAt, request.clientGone().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
        "upstream saw the connection close");
    assertThat(got[0]).isEqualTo(new Failed(CLIENT_LEFT));
    awaitNoBufferHeld();
  }

  @Test
  void aBodyThatDoesNotEndAfterItsTerminatorIsClosedAfterTheDrainGrace() throws Exception {
    // Role, the piece, finish, usage and [DONE]: everything, then the body stays open.
    upstream.enqueue(Script.openAiText("done").hangAfterChunks(5));

    Transcript t = Transcript.drain(provider.stream(hello()), DEADLINE);
    long finishedAt = System.nanoTime();

    assertThat(t.content()).isEqualTo("done");
    assertThat(t.events()).last().isInstanceOf(Finished.class);
    long goneAt = upstream.awaitRequest(DEADLINE).clientGone().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(Duration.ofNanos(goneAt - finishedAt)).as("closed after the grace, not before")
        .isGreaterThan(Duration.ofMillis(1_500));
  }

  /**
   * Waits until every buffer the pool lent is back: Jetty may finish with a connection's buffer on its
   * own thread just after the reader took the last chunk from it (the body's end, read after the event).
   */
  private void awaitNoBufferHeld() throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!pool.getLeaks().isEmpty()) {
      assertThat(System.nanoTime()).as("buffers still held: %s", pool.dumpLeaks()).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  /** Waits until {@code reader} is parked waiting for the body (not done, not running). */
  private static void awaitParkedOnTheBody(Thread reader, CompletableFuture<?> returned) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!parkedInNextChunk(reader)) {
      assertThat(returned).as("next() returned before the upstream sent anything").isNotDone();
      assertThat(System.nanoTime()).as("the reader parked in time").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static boolean parkedInNextChunk(Thread reader) {
    return reader.getState() == Thread.State.WAITING && Arrays.stream(reader.getStackTrace())
        .anyMatch(f -> f.getClassName().endsWith("HttpEventStream") && f.getMethodName().equals("nextChunk"));
  }
}
