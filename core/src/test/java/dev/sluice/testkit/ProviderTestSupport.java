package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.EventStream;
import dev.sluice.provider.Provider;
import dev.sluice.provider.UpstreamConfig;
import dev.sluice.provider.UpstreamDecoder;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.sse.SseParser;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.client.HttpClient;

/**
 * What the tests of every HTTP provider share: one HTTP client, as in the gateway; the decoding of a
 * body cut anywhere; and the cancelling of a blocked read. Each wire format's tests add only their
 * provider and fixtures. It lives here rather than in the provider package because testkit already
 * uses the provider's types: the other way round would be a package cycle (PackageLayoutTest reads
 * the core test jar too).
 */
public final class ProviderTestSupport {

  public static final String KEY = "sk-test-0123456789abcdef";
  public static final Duration DEADLINE = Duration.ofSeconds(10);
  public static final HttpClient CLIENT = UpstreamHttp.started(UpstreamHttp.newClient(Duration.ofSeconds(2)));
  /**
   * How soon a cancel must close the connection. Generous: this checks that the socket really closes,
   * promptly; it is no benchmark (measured on loopback: median about 1 ms, worst of 20 about 2.5 ms, in
   * both phases).
   */
  public static final Duration PROMPT = Duration.ofMillis(500);
  public static final GatewayError CLIENT_LEFT = GatewayError.of(ErrorType.CANCELLED, "client disconnected");

  private ProviderTestSupport() {}

  /** An upstream at {@code baseUrl} with {@link #KEY}, a 2 s connect and a 5 s headers timeout. */
  public static UpstreamConfig upstreamConfig(String name, URI baseUrl, List<String> models) {
    return new UpstreamConfig(name, baseUrl, KEY, models, Duration.ofSeconds(2), Duration.ofSeconds(5));
  }

  /** A one-turn request to {@code model}. */
  public static ChatRequest hello(String model) {
    return ChatRequest.of(model, List.of(Message.text(Role.USER, "Hello")));
  }

  /** Every event of {@code request} to {@code provider} while {@code upstream} answers with {@code script}. */
  public static Transcript run(FakeUpstream upstream, Provider provider, ChatRequest request, Script script) {
    upstream.enqueue(script);
    return Transcript.drain(provider.stream(request), DEADLINE);
  }

  /**
   * The canonical events {@code decoder} makes of {@code body} fed in pieces cut at {@code cuts} (byte
   * offsets, ascending), with {@link Started#createdEpochSeconds()} zeroed (an upstream that names none
   * gets the decoding time): the decoder alone, without sockets, so that thousands of splits stay fast.
   */
  public static List<StreamEvent> decode(UpstreamDecoder decoder, byte[] body, int... cuts) {
    var parser = new SseParser(decoder);
    int from = 0;
    for (int cut : cuts) {
      parser.feed(body, from, cut - from);
      from = cut;
    }
    parser.feed(body, from, body.length - from);
    parser.end();
    decoder.endOfStream();
    var events = new ArrayList<StreamEvent>();
    StreamEvent e;
    while ((e = decoder.decoded().poll()) != null) {
      events.add(e instanceof Started s ? new Started(s.id(), s.model(), s.provider(), 0) : e);
    }
    return events;
  }

  /**
   * Asserts that {@code body} split at every byte boundary (one cut, then two cuts at pairs of positions
   * on prime strides) decodes to exactly the events of the whole body: no event depends on how TCP cut
   * the stream. Returns the events of the whole body.
   */
  public static List<StreamEvent> assertEverySplitDecodesAlike(Supplier<UpstreamDecoder> decoders, byte[] body) {
    List<StreamEvent> whole = decode(decoders.get(), body);
    for (int cut = 0; cut <= body.length; cut++) {
      assertThat(decode(decoders.get(), body, cut)).as("cut at %d", cut).isEqualTo(whole);
    }
    for (int a = 0; a <= body.length; a += 97) {
      for (int b = a; b <= body.length; b += 89) {
        assertThat(decode(decoders.get(), body, a, b)).as("cuts at %d and %d", a, b).isEqualTo(whole);
      }
    }
    return whole;
  }

  /** Calls next() on another thread, completing with the nanoTime it returned; the event goes to {@code got[0]}. */
  public static CompletableFuture<long[]> nextInBackground(EventStream stream, StreamEvent[] got) {
    CompletableFuture<long[]> done = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        got[0] = stream.next();
        done.complete(new long[] {System.nanoTime()});
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
    });
    return done;
  }

  /** Asserts that {@code toNanos} came within {@link #PROMPT} of {@code fromNanos}. */
  public static void assertPrompt(long fromNanos, long toNanos, String what) {
    assertThat(Duration.ofNanos(toNanos - fromNanos)).as(what).isLessThan(PROMPT);
  }

  /**
   * Cancels {@code stream} while a next() on another thread is blocked (waiting for the headers or for
   * the body), and asserts what a cancel promises in every phase: the blocked call returns the cancel's
   * reason, the upstream sees its connection close, both within {@link #PROMPT}, and the stream is over.
   */
  public static void assertCancelEndsTheBlockedNextAndTheConnection(EventStream stream, FakeUpstream upstream)
      throws Exception {
    StreamEvent[] got = new StreamEvent[1];
    CompletableFuture<long[]> returned = nextInBackground(stream, got);
    RecordedRequest request = upstream.awaitRequest(DEADLINE);
    Thread.sleep(50); // let next() settle into its blocking wait
    assertThat(returned).isNotDone();

    long cancelledAt = System.nanoTime();
    stream.cancel(CLIENT_LEFT);

    long returnedAt = returned.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)[0];
    long goneAt = request.clientGone().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(got[0]).isEqualTo(new Failed(CLIENT_LEFT));
    assertPrompt(cancelledAt, returnedAt, "next() returned after the cancel");
    assertPrompt(cancelledAt, goneAt, "upstream saw the connection close after the cancel");
    assertThat(stream.next()).isNull();
  }
}
