package dev.sluice.provider.responses;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.provider.UpstreamDecoderContract;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * A coverage-guided fuzz test (Jazzer) of the Responses stream decoder: any bytes from an upstream
 * become events ending in one terminal event, never an exception. A plain test run replays the committed
 * inputs under
 * {@code src/test/resources/dev/sluice/provider/responses/ResponsesEventDecoderFuzzTestInputs/<method>/};
 * with {@code JAZZER_FUZZ=1} it fuzzes (docs/fuzzing.md).
 */
class ResponsesEventDecoderFuzzTest {

  @DictionaryFile(resourcePath = "responses-stream.dict")
  @Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "3m")
  void anyBodyDecodesToEventsEndingInOneTerminal(byte[] body) {
    UpstreamDecoderContract.decodesToEventsEndingInOneTerminal(ResponsesTestSupport.decoder(), body);
  }
}
