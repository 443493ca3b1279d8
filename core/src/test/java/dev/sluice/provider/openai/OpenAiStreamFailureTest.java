package dev.sluice.provider.openai;

import static dev.sluice.provider.openai.OpenAiTestSupport.hello;
import static dev.sluice.provider.openai.OpenAiTestSupport.provider;
import static dev.sluice.testkit.ProviderTestSupport.CLIENT;
import static dev.sluice.testkit.ProviderTestSupport.DEADLINE;
import static dev.sluice.testkit.ProviderTestSupport.KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.UpstreamConfig;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.Usage;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.ProviderTestSupport;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import dev.sluice.testkit.Transcript;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A stream that breaks after a 200: every way ends in exactly one Failed, after what was decoded so far. */
class OpenAiStreamFailureTest {

  private static final String HEAD = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}";

  @RegisterExtension
  final FakeUpstream upstream = FakeUpstream.start();

  private static OpenAiProvider withHeadersTimeout(URI baseUrl, Duration headersTimeout) {
    return new OpenAiProvider(new OpenAiConfig(new UpstreamConfig("test", baseUrl, KEY, List.of(), Duration.ofSeconds(2),
        headersTimeout)), CLIENT);
  }

  private Transcript run(Script script) {
    return ProviderTestSupport.run(upstream, provider(upstream), hello(), script);
  }

  @Test
  void anErrorObjectMidStreamFailsWithItsTypeAfterTheTextSoFar() {
    Transcript t = run(Script.sse(HEAD,
        "{\"error\":{\"message\":\"The server had an error while processing your request.\","
            + "\"type\":\"server_overloaded\",\"param\":null,\"code\":null}}"));

    assertThat(t.started()).isEqualTo(new Started("chatcmpl-1", "m", "test", 1));
    assertThat(t.content()).isEqualTo("Hi");
    GatewayError e = t.failure();
    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_OVERLOADED);
    assertThat(e.message()).isEqualTo("upstream 'test' failed mid-stream");
    assertThat(e.upstreamStatus()).isZero();
  }

  @Test
  void aVllmErrorMidStreamTakesItsTypeFromTheIntegerCode() {
    Transcript t = run(Script.sse(HEAD,
        "{\"error\":{\"message\":\"engine died\",\"type\":\"InternalServerError\",\"param\":null,\"code\":500}}"));

    assertThat(t.failure().type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(t.failure().upstreamStatus()).isEqualTo(500);
  }

  @Test
  void anErrorEventFailsTheStream() {
    Transcript t = run(Script.sseBody("data: " + HEAD + "\n\nevent: error\ndata: {\"error\":{\"message\":\"Rate "
        + "limited\",\"type\":\"rate_limit_error\"}}\n\n"));

    assertThat(t.content()).isEqualTo("Hi");
    assertThat(t.failure().type()).isEqualTo(ErrorType.RATE_LIMITED);
    assertThat(t.failure().message()).isEqualTo("upstream 'test' failed mid-stream").doesNotContain("Rate limited");
  }

  @Test
  void aMidStreamErrorEchoingTheKeyIsScrubbed() {
    Transcript t = run(Script.sse("{\"error\":{\"message\":\"bad key " + KEY + "\",\"type\":\"invalid_request_error\"}}"));

    assertThat(t.failure().message()).doesNotContain(KEY).endsWith("bad key [redacted]");
  }

  @Test
  void aMalformedChunkFailsAsAnUpstreamError() {
    Transcript t = run(Script.sse(HEAD, "{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x"));

    assertThat(t.content()).isEqualTo("Hi");
    GatewayError e = t.failure();
    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(e.message()).startsWith("upstream 'test' sent a malformed chunk (");
  }

  @Test
  void aChunkThatIsNotAnObjectIsMalformed() {
    Transcript t = run(Script.sse("[1,2]"));

    assertThat(t.failure().message()).startsWith("upstream 'test' sent a chunk that is not a JSON object: [1,2]");
  }

  @Test
  void theBodyEndingBeforeDoneAndBeforeAFinishReasonIsATruncation() {
    // text.sse: the role chunk, 30 text chunks, the finish_reason chunk, the usage chunk, [DONE].
    Transcript t = run(Script.fromFixture("fixtures/openai/text.sse").endAfterChunks(5));

    assertThat(t.content()).isEqualTo("I'm unable to provide");
    assertThat(t.failure()).isEqualTo(GatewayError.of(ErrorType.UPSTREAM_ERROR,
        "upstream 'test' stream ended before [DONE]"));
  }

  @Test
  void theBodyEndingWithoutDoneAfterTheFinishReasonAndUsageStillFinishes() {
    Transcript t = run(Script.fromFixture("fixtures/openai/text.sse").withoutDone());

    assertThat(t.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(t.usage()).isEqualTo(Usage.of(14, 30));
  }

  @Test
  void theBodyEndingRightAfterTheFinishReasonFinishesWithoutUsage() {
    // Chunk 32 of text.sse carries the finish_reason; the usage chunk and [DONE] are cut off.
    Transcript t = run(Script.fromFixture("fixtures/openai/text.sse").endAfterChunks(32));

    assertThat(t.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(t.usage()).isNull();
  }

  @Test
  void doneWithoutAnyFinishReasonFinishesAsStop() {
    Transcript t = run(Script.sse(HEAD));

    assertThat(t.content()).isEqualTo("Hi");
    assertThat(t.finishReason()).isEqualTo(FinishReason.STOP);
  }

  @Test
  void aResetMidStreamFailsAsAnUpstreamError() {
    // The pause lets the first chunks reach the reader: an RST makes the kernel drop unread data.
    Transcript t = run(Script.fromFixture("fixtures/openai/text.sse").chunkDelay(Duration.ofMillis(50))
        .resetAfterChunks(3));

    assertThat(t.content()).isEqualTo("I'm unable");
    GatewayError e = t.failure();
    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(e.message()).startsWith("upstream 'test' connection failed mid-stream: ");
    assertThat(e.retryable()).isTrue();
  }

  @Test
  void aFinInsideTheChunkedBodyFailsAsAnUpstreamError() {
    Transcript t = run(Script.fromFixture("fixtures/openai/text.sse").closeAfterChunks(33));

    // Everything up to the usage chunk arrived, but the HTTP body itself was cut: not a normal end.
    assertThat(t.failure().type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(t.failure().message()).startsWith("upstream 'test' connection failed mid-stream: ");
  }

  @Test
  void noHeadersWithinTheHeadersTimeoutFailsAsATimeoutAndClosesTheConnection() throws Exception {
    upstream.enqueue(Script.openAiText("late").hangBeforeHeaders());
    OpenAiProvider provider = withHeadersTimeout(upstream.baseUrl(), Duration.ofMillis(300));
    long start = System.nanoTime();

    GatewayError e = Transcript.drain(provider.stream(hello()), DEADLINE).failure();

    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_TIMEOUT);
    assertThat(e.code()).isEqualTo("headers");
    assertThat(e.message()).isEqualTo("upstream 'test' sent no response headers within 300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));
    RecordedRequest request = upstream.awaitRequest(DEADLINE);
    assertThat(request.clientGone().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isPositive();
  }

  @Test
  void theHeadersTimeoutDoesNotLimitASlowBody() {
    upstream.enqueue(Script.openAiText("slow", " but", " fine").chunkDelay(Duration.ofMillis(150)));
    OpenAiProvider provider = withHeadersTimeout(upstream.baseUrl(), Duration.ofMillis(300));

    Transcript t = Transcript.drain(provider.stream(hello()), DEADLINE);

    assertThat(t.content()).isEqualTo("slow but fine");
    assertThat(t.finishReason()).isEqualTo(FinishReason.STOP);
  }

  @Test
  void aRefusedConnectionFailsAsAnUpstreamErrorWithCodeConnect() throws IOException {
    URI closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = URI.create("http://127.0.0.1:" + s.getLocalPort() + "/v1");
    }
    OpenAiProvider provider = withHeadersTimeout(closedPort, Duration.ofSeconds(2));

    GatewayError e = Transcript.drain(provider.stream(hello()), DEADLINE).failure();

    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(e.code()).isEqualTo("connect");
    assertThat(e.message()).startsWith("upstream 'test' could not be reached");
  }

  @Test
  void contentAlreadyDecodedIsDeliveredBeforeTheFailure() {
    Transcript t = run(Script.sse(HEAD, HEAD.replace("\"Hi\"", "\" there\""), "oops"));

    assertThat(t.events()).hasSize(4);
    assertThat(t.events().subList(1, 3)).containsExactly(TextDelta.content("Hi"), TextDelta.content(" there"));
  }
}
