package dev.sluice.provider.openai;

import static dev.sluice.provider.openai.OpenAiTestSupport.hello;
import static dev.sluice.provider.openai.OpenAiTestSupport.provider;
import static dev.sluice.testkit.ProviderTestSupport.KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.UpstreamErrors;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.ProviderTestSupport;
import dev.sluice.testkit.Script;
import dev.sluice.testkit.Transcript;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An upstream that answers with an error instead of a stream gives one typed Failed, before any Started. */
class OpenAiErrorResponseTest {

  @RegisterExtension
  final FakeUpstream upstream = FakeUpstream.start();

  private GatewayError failureFor(Script script) {
    Transcript t = ProviderTestSupport.run(upstream, provider(upstream), hello(), script);
    assertThat(t.events()).as("nothing but the failure").hasSize(1);
    return t.failure();
  }

  private static String openAiError(String message, String type, String code) {
    return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":"
        + (code == null ? "null" : "\"" + code + "\"") + "}}";
  }

  @Test
  void rateLimitCarriesTheTypeStatusCodeMessageAndRetryAfterMsFirst() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("retry-after-ms", "1500.5");
    headers.put("Retry-After", "7");
    headers.put("x-request-id", "req_123");

    GatewayError e = failureFor(Script.raw(429, headers,
        openAiError("Rate limit reached for gpt-4o on tokens per min (TPM)", "tokens", "rate_limit_exceeded")));

    assertThat(e.type()).isEqualTo(ErrorType.RATE_LIMITED);
    assertThat(e.upstreamStatus()).isEqualTo(429);
    assertThat(e.retryAfter()).isEqualTo(Duration.ofNanos(1_500_500_000));
    assertThat(e.code()).isEqualTo("rate_limit_exceeded");
    // A rate limit's text names the operator's organisation and limits: the tenant gets the code only.
    assertThat(e.message()).isEqualTo("upstream 'test' returned HTTP 429 (rate_limit_exceeded)");
    assertThat(e.retryable()).isTrue();
  }

  @Test
  void retryAfterInSecondsIsUsedWithoutRetryAfterMs() {
    GatewayError e = failureFor(Script.raw(429, Map.of("Retry-After", "7"), "{}"));

    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void aRejectionOfTheGatewaysKeyIsABadGatewayWithoutTheUpstreamsWords() {
    GatewayError e = failureFor(Script.json(401,
        openAiError("Incorrect API key provided: " + KEY + ". You can find your API key at ...",
            "invalid_request_error", "invalid_api_key")));

    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(e.httpStatus()).isEqualTo(502);
    assertThat(e.code()).isEqualTo(UpstreamErrors.PROVIDER_AUTH_FAILED);
    assertThat(e.upstreamStatus()).isEqualTo(401);
    assertThat(e.message()).doesNotContain(KEY).doesNotContain("Incorrect API key")
        .isEqualTo("upstream 'test' refused the gateway's credentials (HTTP 401); the gateway's operator must check its provider key.");
    assertThat(e.retryable()).isFalse();
  }

  @Test
  void aRequestErrorKeepsItsWordsScrubbedOfKeysAndAccountIds() {
    GatewayError e = failureFor(Script.json(400, openAiError("Invalid value for org org-AbCdEf123456 in project "
        + "proj_Xy12Zz34Ww and key sk-proj-abcdefghijklmnop: 'temperature'", "invalid_request_error", null)));

    assertThat(e.message()).contains("Invalid value for org [redacted] in project [redacted] and key [redacted]: 'temperature'")
        .doesNotContain("AbCdEf123456").doesNotContain("Xy12Zz34Ww").doesNotContain("abcdefghijklmnop");
  }

  @Test
  void aKeyWhereTheMessageIsCutLeavesNoPartOfItBehind() {
    String body = "x".repeat(UpstreamErrors.MAX_MESSAGE_CHARS - 10) + KEY + " more text";

    GatewayError e = failureFor(Script.raw(400, Map.of("Content-Type", "text/plain"), body));

    assertThat(e.message()).doesNotContain(KEY.substring(0, 6)).contains("[redacted]");
  }

  @Test
  void anErrorObjectWithoutAMessageStillReadsWell() {
    GatewayError e = failureFor(Script.json(200, "{\"error\":{\"type\":\"server_error\"}}"));

    assertThat(e.message()).isEqualTo("upstream 'test' answered HTTP 200 with an error");
  }

  @ParameterizedTest(name = "HTTP {0} -> {1}")
  @CsvSource({
      "400, INVALID_REQUEST", "401, UPSTREAM_ERROR", "403, UPSTREAM_ERROR", "404, NOT_FOUND", "408, UPSTREAM_TIMEOUT",
      "409, UPSTREAM_ERROR", "413, REQUEST_TOO_LARGE", "422, INVALID_REQUEST", "429, RATE_LIMITED",
      "500, UPSTREAM_ERROR", "502, UPSTREAM_ERROR", "503, UPSTREAM_OVERLOADED", "504, UPSTREAM_TIMEOUT",
      "529, UPSTREAM_OVERLOADED"})
  void everyErrorStatusMapsToItsType(int status, ErrorType type) {
    GatewayError e = failureFor(Script.json(status, openAiError("boom " + status, "api_error", null)));

    assertThat(e.type()).isEqualTo(type);
    assertThat(e.upstreamStatus()).isEqualTo(status);
    // Only the request's own errors carry the upstream's words to the tenant.
    if (status == 400 || status == 404 || status == 422) {
      assertThat(e.message()).isEqualTo("upstream 'test' returned HTTP " + status + ": boom " + status);
    } else if (status == 401 || status == 403) {
      assertThat(e.code()).isEqualTo(UpstreamErrors.PROVIDER_AUTH_FAILED);
      assertThat(e.message()).doesNotContain("boom");
    } else {
      assertThat(e.message()).isEqualTo("upstream 'test' returned HTTP " + status);
    }
  }

  @Test
  void aContextLengthErrorKeepsParamAndCode() {
    GatewayError e = failureFor(Script.json(400, "{\"error\":{\"message\":\"This model's maximum context length "
        + "is 8192 tokens.\",\"type\":\"invalid_request_error\",\"param\":\"messages\","
        + "\"code\":\"context_length_exceeded\"}}"));

    assertThat(e.type()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(e.param()).isEqualTo("messages");
    assertThat(e.code()).isEqualTo("context_length_exceeded");
  }

  @Test
  void vllmsIntegerCodeAndExceptionStyleTypeAreRead() {
    GatewayError e = failureFor(Script.json(400,
        "{\"error\":{\"message\":\"max_tokens must be at least 1\",\"type\":\"BadRequestError\",\"param\":null,"
            + "\"code\":400}}"));

    assertThat(e.type()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(e.code()).isNull();
    assertThat(e.message()).endsWith(": max_tokens must be at least 1");
  }

  @Test
  void aPlainTextBodyBecomesTheMessage() {
    GatewayError e = failureFor(Script.raw(502, Map.of("Content-Type", "text/plain"), "Bad gateway from nginx\n"));

    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(e.message()).isEqualTo("upstream 'test' returned HTTP 502");
  }

  @Test
  void anEmptyBodyStillGivesAMessage() {
    GatewayError e = failureFor(Script.raw(503, Map.of(), ""));

    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_OVERLOADED);
    assertThat(e.message()).isEqualTo("upstream 'test' returned HTTP 503");
  }

  @Test
  void aHugeErrorBodyIsReadBoundedAndItsMessageCut() {
    String huge = "x".repeat(200_000);

    GatewayError e = failureFor(Script.raw(400, Map.of("Content-Type", "text/plain"), huge));

    assertThat(e.message()).startsWith("upstream 'test' returned HTTP 400: xxx");
    assertThat(e.message().length()).isLessThan(UpstreamErrors.MAX_MESSAGE_CHARS + 100);
  }

  @Test
  void anOllamaStyleJsonErrorWithStatus200IsAnErrorTypedFromItsBody() {
    GatewayError e = failureFor(Script.json(200,
        "{\"error\":{\"message\":\"model \\\"llama9\\\" not found, try pulling it first\","
            + "\"type\":\"not_found_error\",\"param\":null,\"code\":null}}"));

    assertThat(e.type()).isEqualTo(ErrorType.NOT_FOUND);
    assertThat(e.upstreamStatus()).isEqualTo(200);
    assertThat(e.message()).isEqualTo(
        "upstream 'test' answered HTTP 200 with an error: model \"llama9\" not found, try pulling it first");
  }

  @Test
  void aNonStreamedAnswerIsAnErrorNamingTheContentType() {
    GatewayError e = failureFor(Script.json(200, "{\"id\":\"chatcmpl-1\",\"choices\":[]}"));

    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(e.message()).isEqualTo(
        "upstream 'test' answered HTTP 200 with content type 'application/json' instead of an event stream");
  }

  @Test
  void anErrorStatusWithAnEventStreamBodyIsStillAnError() {
    GatewayError e = failureFor(Script.sse(openAiError("The server is overloaded", "server_error", null))
        .status(503));

    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_OVERLOADED);
    assertThat(e.upstreamStatus()).isEqualTo(503);
  }
}
