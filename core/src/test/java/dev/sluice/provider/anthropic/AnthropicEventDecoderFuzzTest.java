package dev.sluice.provider.anthropic;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.provider.UpstreamDecoderContract;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * A coverage-guided fuzz test (Jazzer) of the Messages stream decoder: any bytes from an upstream
 * become events ending in one terminal event, never an exception. A plain test run replays the
 * committed inputs under
 * {@code src/test/resources/dev/sluice/provider/anthropic/AnthropicEventDecoderFuzzTestInputs/<method>/};
 * with {@code JAZZER_FUZZ=1} it fuzzes (docs/fuzzing.md).
 */
class AnthropicEventDecoderFuzzTest {

  @DictionaryFile(resourcePath = "anthropic-stream.dict")
  @Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "3m")
  void anyBodyDecodesToEventsEndingInOneTerminal(byte[] body) {
    var decoder = new AnthropicEventDecoder("claude-x", new AnthropicErrorMapper("anthropic", "sk-ant-fuzz"));
    UpstreamDecoderContract.decodesToEventsEndingInOneTerminal(decoder, body);
  }
}
