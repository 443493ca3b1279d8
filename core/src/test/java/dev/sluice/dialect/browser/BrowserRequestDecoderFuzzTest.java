package dev.sluice.dialect.browser;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.dialect.RequestDecoderContract;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Coverage-guided fuzz tests (Jazzer) of the browser endpoints' request decoder, for the JSON body
 * of {@code fetch} and the query of {@code EventSource}: any input decodes or is rejected with a
 * 4xx, never a hang (the timeout). A plain test run replays the committed inputs under
 * {@code src/test/resources/dev/sluice/dialect/browser/BrowserRequestDecoderFuzzTestInputs/<method>/};
 * with {@code JAZZER_FUZZ=1} a run fuzzes one method (docs/fuzzing.md).
 */
class BrowserRequestDecoderFuzzTest {

  @DictionaryFile(resourcePath = "request.dict")
  @Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "2m")
  void decodesOrRejectsAnyBodyWithA4xx(byte[] body) {
    RequestDecoderContract.decodesOrRejectsWithA4xx(() -> BrowserRequestDecoder.fromJson(body));
  }

  @DictionaryFile(resourcePath = "request.dict")
  @Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "1m")
  void decodesOrRejectsAnyQueryWithA4xx(byte[] query) {
    RequestDecoderContract.decodesOrRejectsWithA4xx(() -> BrowserRequestDecoder.fromQuery(parameters(query)));
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
