package dev.sluice.provider.openai;

import static dev.sluice.provider.openai.OpenAiTestSupport.hello;
import static dev.sluice.provider.openai.OpenAiTestSupport.provider;
import static dev.sluice.testkit.ProviderTestSupport.CLIENT_LEFT;
import static dev.sluice.testkit.ProviderTestSupport.DEADLINE;
import static dev.sluice.testkit.ProviderTestSupport.assertCancelEndsTheBlockedNextAndTheConnection;
import static dev.sluice.testkit.ProviderTestSupport.assertPrompt;
import static dev.sluice.testkit.ProviderTestSupport.nextInBackground;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.EventStream;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import dev.sluice.testkit.Transcript;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A cancel closes the upstream connection at once, in every phase, and the blocked reader returns
 * the cancel's reason. These tests pin the Jetty HttpClient behaviour the provider relies on:
 * aborting the request closes a connection that waits for headers or is mid-body (it is not returned
 * to the pool), and fails the body's content source, so that a reader parked on its demand wakes.
 * The fake upstream sees the close as a FIN or RST on its blocked read.
 */
class OpenAiCancellationTest {

  @RegisterExtension
  final FakeUpstream upstream = FakeUpstream.start();

  @Test
  void cancelWhileWaitingForHeadersClosesTheUpstreamConnectionAndReturnsTheReason() throws Exception {
    upstream.enqueue(Script.openAiText("never").hangBeforeHeaders());
    EventStream stream = provider(upstream).stream(hello());

    assertCancelEndsTheBlockedNextAndTheConnection(stream, upstream);
  }

  @Test
  void cancelWhileBlockedReadingTheBodyClosesTheUpstreamConnectionAndReturnsTheReason() throws Exception {
    upstream.enqueue(Script.openAiText("Hello", " world").hangAfterChunks(2));
    EventStream stream = provider(upstream).stream(hello());
    assertThat(stream.next()).isInstanceOf(Started.class);
    assertThat(stream.next()).isEqualTo(TextDelta.content("Hello"));

    assertCancelEndsTheBlockedNextAndTheConnection(stream, upstream);
  }

  @Test
  void cancelWhileTheUpstreamPausesBetweenChunksClosesTheConnection() throws Exception {
    upstream.enqueue(Script.openAiText("a", "b", "c").chunkDelay(Duration.ofSeconds(30)));
    EventStream stream = provider(upstream).stream(hello());
    StreamEvent[] got = new StreamEvent[1];
    CompletableFuture<long[]> returned = nextInBackground(stream, got);
    RecordedRequest request = upstream.awaitRequest(DEADLINE);
    // The first chunk (role, empty content) gives Started; the reader then waits 30 s for the next.
    assertThat(returned.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
    assertThat(got[0]).isInstanceOf(Started.class);
    returned = nextInBackground(stream, got);
    Thread.sleep(50);

    long cancelledAt = System.nanoTime();
    stream.cancel(CLIENT_LEFT);

    returned.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    long goneAt = request.clientGone().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(got[0]).isEqualTo(new Failed(CLIENT_LEFT));
    assertPrompt(cancelledAt, goneAt, "upstream saw the connection close after the cancel");
  }

  @Test
  void cancelBeforeTheFirstNextSendsNothing() throws Exception {
    EventStream stream = provider(upstream).stream(hello());

    stream.cancel(CLIENT_LEFT);

    assertThat(stream.next()).isEqualTo(new Failed(CLIENT_LEFT));
    assertThat(stream.next()).isNull();
    Thread.sleep(100);
    assertThat(upstream.requests()).isEmpty();
    assertThat(upstream.connectionCount()).isZero();
  }

  @Test
  void onlyTheFirstCancelCountsAndRepeatingItIsHarmless() throws Exception {
    upstream.enqueue(Script.openAiText("x").hangAfterChunks(1));
    EventStream stream = provider(upstream).stream(hello());
    assertThat(stream.next()).isInstanceOf(Started.class);
    RecordedRequest request = upstream.awaitRequest(DEADLINE);

    stream.cancel(CLIENT_LEFT);
    stream.cancel(GatewayError.of(ErrorType.UPSTREAM_TIMEOUT, "idle"));
    stream.close();

    assertThat(stream.next()).isEqualTo(new Failed(CLIENT_LEFT));
    assertThat(stream.next()).isNull();
    stream.cancel(GatewayError.of(ErrorType.CANCELLED, "after the end"));
    assertThat(request.clientGone().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isPositive();
  }

  @Test
  void closeBeforeTheEndCancelsAndClosesTheUpstreamConnection() throws Exception {
    upstream.enqueue(Script.openAiText("x", "y").hangAfterChunks(2));
    EventStream stream = provider(upstream).stream(hello());
    assertThat(stream.next()).isInstanceOf(Started.class);
    RecordedRequest request = upstream.awaitRequest(DEADLINE);

    long closedAt = System.nanoTime();
    stream.close();

    long goneAt = request.clientGone().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    assertPrompt(closedAt, goneAt, "upstream saw the connection close after close()");
    assertThat(stream.next()).isInstanceOf(Failed.class);
  }

  @Test
  void interruptingTheReadingThreadEndsTheStreamAsCancelledAndClosesTheConnection() throws Exception {
    upstream.enqueue(Script.openAiText("x").hangAfterChunks(1));
    EventStream stream = provider(upstream).stream(hello());
    StreamEvent[] got = new StreamEvent[2];
    boolean[] interruptedAfter = new boolean[1];
    Thread reader = Thread.ofVirtual().start(() -> {
      got[0] = stream.next();
      got[1] = stream.next();
      interruptedAfter[0] = Thread.currentThread().isInterrupted();
    });
    RecordedRequest request = upstream.awaitRequest(DEADLINE);
    Thread.sleep(100);

    reader.interrupt();

    assertThat(reader.join(DEADLINE)).isTrue();
    assertThat(got[0]).isInstanceOf(Started.class);
    assertThat(((Failed) got[1]).error().type()).isEqualTo(ErrorType.CANCELLED);
    assertThat(interruptedAfter[0]).as("interrupt flag kept for the caller").isTrue();
    assertThat(request.clientGone().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isPositive();
  }

  @Test
  void aCompletedStreamLeavesItsConnectionInThePoolForTheNextOne() throws Exception {
    for (int i = 0; i < 3; i++) {
      Transcript t = Transcript.drain(provider(upstream).stream(hello()), DEADLINE);
      assertThat(t.content()).isEqualTo(FakeUpstream.DEFAULT_TEXT);
      // The body's end may come after [DONE] and be drained in the background; give it a moment.
      Thread.sleep(50);
    }

    assertThat(upstream.requests()).extracting(RecordedRequest::connectionId).containsOnly(1);
    assertThat(upstream.connectionCount()).isEqualTo(1);
    assertThat(upstream.requests()).allSatisfy(r -> assertThat(r.clientGone()).isNotDone());
  }

  @Test
  void aStreamThatFailsWithItsBodyStillOpenClosesTheConnectionInsteadOfLeavingItHanging() throws Exception {
    upstream.enqueue(Script.sse("{not json", "{}").hangAfterChunks(1));
    Transcript failed = Transcript.drain(provider(upstream).stream(hello()), DEADLINE);
    assertThat(failed.failure().type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    long failedAt = System.nanoTime();

    long goneAt = upstream.awaitRequest(DEADLINE).clientGone().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);

    assertPrompt(failedAt, goneAt, "upstream saw the connection close after the failure");
    Transcript next = Transcript.drain(provider(upstream).stream(hello()), DEADLINE);
    assertThat(next.content()).isEqualTo(FakeUpstream.DEFAULT_TEXT);
    assertThat(upstream.requests()).extracting(RecordedRequest::connectionId).containsExactly(1, 2);
  }
}
