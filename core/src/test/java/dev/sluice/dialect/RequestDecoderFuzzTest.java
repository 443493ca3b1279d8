package dev.sluice.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.dialect.anthropic.AnthropicRequestDecoder;
import dev.sluice.dialect.browser.BrowserRequestDecoder;
import dev.sluice.dialect.openai.OpenAiRequestDecoder;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz tests (Jazzer) of the decoders of every client dialect. Whatever a client
 * sends, a decoder returns a request or throws the documented {@link GatewayException} with a 4xx
 * status: never another exception (which the server would answer with a 500), never a 5xx, never a
 * hang. A plain test run replays the committed inputs under
 * {@code src/test/resources/dev/sluice/dialect/RequestDecoderFuzzTestInputs/<method>/}; with
 * {@code JAZZER_FUZZ=1} a run fuzzes one method (docs/fuzzing.md).
 */
class RequestDecoderFuzzTest {

  @DictionaryFile(resourcePath = "openai-request.dict")
  @Timeout(10)
  @FuzzTest(maxDuration = "3m")
  void openAiBodyDecodesOrIsRejectedWithA4xx(byte[] body) {
    assertDecodesOrRejectsWithA4xx(() -> OpenAiRequestDecoder.decode(body));
  }

  @DictionaryFile(resourcePath = "anthropic-request.dict")
  @Timeout(10)
  @FuzzTest(maxDuration = "3m")
  void anthropicBodyDecodesOrIsRejectedWithA4xx(byte[] body) {
    assertDecodesOrRejectsWithA4xx(() -> AnthropicRequestDecoder.decode(body));
  }

  @DictionaryFile(resourcePath = "browser-request.dict")
  @Timeout(10)
  @FuzzTest(maxDuration = "2m")
  void browserBodyDecodesOrIsRejectedWithA4xx(byte[] body) {
    assertDecodesOrRejectsWithA4xx(() -> BrowserRequestDecoder.fromJson(body));
  }

  @DictionaryFile(resourcePath = "browser-request.dict")
  @Timeout(10)
  @FuzzTest(maxDuration = "1m")
  void browserQueryDecodesOrIsRejectedWithA4xx(byte[] query) {
    assertDecodesOrRejectsWithA4xx(() -> BrowserRequestDecoder.fromQuery(parameters(query)));
  }

  /** One decoding of one input. */
  @FunctionalInterface
  private interface Decoding {
    ChatRequest decode() throws GatewayException;
  }

  /** Any other throwable escapes, and Jazzer reports it as a finding with the input that caused it. */
  private static void assertDecodesOrRejectsWithA4xx(Decoding decoding) {
    try {
      assertThat(decoding.decode()).isNotNull();
    } catch (GatewayException e) {
      assertThat(e.error().httpStatus()).as(e.getMessage()).isBetween(400, 499);
    }
  }

  /**
   * The map the server hands {@code fromQuery}: {@code name=value} pairs split at {@code &}, the
   * first value of each name. The server's query parser decodes percent escapes first; here the
   * bytes are the decoded text already (as UTF-8), so any string can reach the decoder.
   */
  private static Map<String, String> parameters(byte[] query) {
    var parameters = new HashMap<String, String>();
    for (String pair : new String(query, StandardCharsets.UTF_8).split("&", -1)) {
      int eq = pair.indexOf('=');
      parameters.putIfAbsent(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
    }
    return parameters;
  }
}
