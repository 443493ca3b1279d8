package dev.sluice.dialect.responses;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.dialect.RequestDecoderContract;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * A coverage-guided fuzz test (Jazzer) of the Responses request decoder: any body decodes or is
 * rejected with a 4xx, never a hang. A plain test run replays the committed inputs under
 * {@code src/test/resources/dev/sluice/dialect/responses/ResponsesRequestDecoderFuzzTestInputs/<method>/};
 * with {@code JAZZER_FUZZ=1} it fuzzes (docs/fuzzing.md).
 */
class ResponsesRequestDecoderFuzzTest {

  @DictionaryFile(resourcePath = "request.dict")
  @Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "3m")
  void decodesOrRejectsAnyBodyWithA4xx(byte[] body) {
    RequestDecoderContract.decodesOrRejectsWithA4xx(() -> ResponsesRequestDecoder.decode(body));
  }
}
