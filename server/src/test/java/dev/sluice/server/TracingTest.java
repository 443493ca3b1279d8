package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.RetryPolicy;
import dev.sluice.server.telemetry.Telemetry;
import dev.sluice.server.telemetry.Tracing;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One server span per request, one client span per upstream attempt, and the trace carried upstream. */
class TracingTest {
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CLIENT_SPAN_ID = "00f067aa0ba902b7";
  static final String TRACEPARENT = "00-" + TRACE_ID + "-" + CLIENT_SPAN_ID + "-01";
  static final RetryPolicy TWO_ATTEMPTS = new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(10),
      Duration.ofSeconds(10));

  static HttpResponse<String> post(TestGateway gateway, String body, String traceparent) throws Exception {
    var request = HttpRequest.newBuilder(gateway.uri("/v1/chat/completions")).header("Content-Type", "application/json");
    if (traceparent != null) request.header("traceparent", traceparent);
    return gateway.http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The exported spans once {@code count} have ended (the server span ends just after the response). */
  static List<SpanData> awaitSpans(InMemorySpanExporter exporter, int count) {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (exporter.getFinishedSpanItems().size() < count && System.nanoTime() < end) Thread.onSpinWait();
    return exporter.getFinishedSpanItems();
  }

  @Test
  void tracesTheRequestAndEachAttemptWithGenAiAttributesAndPropagatesTheTrace() throws Exception {
    var exporter = InMemorySpanExporter.create();
    var sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        .build();
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl()).retry(TWO_ATTEMPTS),
            new Telemetry(Tracing.to(sdk)))) {
      upstream.enqueue(Script.json(503, "{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}"));
      upstream.enqueue(Script.openAiText("Hello", " there"));
      HttpResponse<String> response = post(gateway, "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
          + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
          TRACEPARENT);
      assertThat(response.body()).contains("data: [DONE]");

      List<SpanData> spans = awaitSpans(exporter, 3);
      assertThat(spans).hasSize(3);
      SpanData server = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
      List<SpanData> clients = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT)
          .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos())).toList();
      assertThat(clients).hasSize(2);

      // The client's trace continues: same trace id, the server span a child of the client's span.
      assertThat(server.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(server.getParentSpanId()).isEqualTo(CLIENT_SPAN_ID);
      assertThat(server.getName()).isEqualTo("POST /v1/chat/completions");
      assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("openai/gpt-4o");
      assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.system"))).isEqualTo("openai");
      assertThat(server.getAttributes().get(AttributeKey.stringKey("gen_ai.response.model"))).isEqualTo(Script.OPENAI_MODEL);
      assertThat(server.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens")))
          .isEqualTo(Script.OPENAI_PROMPT_TOKENS);
      assertThat(server.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens"))).isPositive();
      assertThat(server.getAttributes().get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons")))
          .containsExactly("stop");
      assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200);

      for (SpanData client : clients) {
        assertThat(client.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(client.getName()).isEqualTo("chat gpt-4o");
        assertThat(client.getAttributes().get(AttributeKey.stringKey("gen_ai.system"))).isEqualTo("openai");
        assertThat(client.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("gpt-4o");
      }
      SpanData failed = clients.get(0);
      SpanData answered = clients.get(1);
      assertThat(failed.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
      assertThat(failed.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(503);
      assertThat(failed.getAttributes().get(AttributeKey.longKey("sluice.attempt"))).isEqualTo(1);
      assertThat(answered.getAttributes().get(AttributeKey.longKey("sluice.attempt"))).isEqualTo(2);
      assertThat(answered.getAttributes().get(AttributeKey.stringKey("gen_ai.response.model"))).isEqualTo(Script.OPENAI_MODEL);
      assertThat(answered.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens")))
          .isEqualTo(Script.OPENAI_PROMPT_TOKENS);
      assertThat(answered.getAttributes().get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons")))
          .containsExactly("stop");

      // Each upstream request carried its own attempt's span as the parent, in the same trace.
      List<RecordedRequest> seen = upstream.requests();
      assertThat(seen).hasSize(2);
      assertThat(seen.get(0).header("traceparent")).isEqualTo("00-" + TRACE_ID + "-" + failed.getSpanId() + "-01");
      assertThat(seen.get(1).header("traceparent")).isEqualTo("00-" + TRACE_ID + "-" + answered.getSpanId() + "-01");
      assertThat(response.headers().firstValue("x-request-id").orElseThrow())
          .isEqualTo(server.getAttributes().get(AttributeKey.stringKey("sluice.request_id")));
    }
  }

  @Test
  void startsANewTraceWhenTheClientSendsNone() throws Exception {
    var exporter = InMemorySpanExporter.create();
    var sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        .build();
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl()), new Telemetry(Tracing.to(sdk)))) {
      upstream.enqueue(Script.openAiText("ok"));
      assertThat(post(gateway, MetricsTest.chat("openai/gpt-4o"), null).statusCode()).isEqualTo(200);
      List<SpanData> spans = awaitSpans(exporter, 2);
      SpanData server = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
      SpanData client = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
      assertThat(server.getParentSpanContext().isValid()).as("a root span").isFalse();
      // Flags: sampled, and (W3C level 2) possibly the random-trace-id bit the SDK sets on new traces.
      assertThat(upstream.requests().getFirst().header("traceparent"))
          .matches("00-" + server.getTraceId() + "-" + client.getSpanId() + "-0[13]");
    }
  }

  @Test
  void passesTheClientsTraceparentUpstreamWhenTracingIsOff() throws Exception {
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl()), new Telemetry(Tracing.off()))) {
      upstream.enqueue(Script.openAiText("ok"));
      upstream.enqueue(Script.openAiText("ok"));
      assertThat(post(gateway, MetricsTest.chat("openai/gpt-4o"), TRACEPARENT).statusCode()).isEqualTo(200);
      assertThat(upstream.requests().getFirst().header("traceparent")).isEqualTo(TRACEPARENT);
      // Without one, nothing is invented.
      assertThat(post(gateway, MetricsTest.chat("openai/gpt-4o"), null).statusCode()).isEqualTo(200);
      assertThat(upstream.requests().get(1).header("traceparent")).isNull();
    }
  }
}
