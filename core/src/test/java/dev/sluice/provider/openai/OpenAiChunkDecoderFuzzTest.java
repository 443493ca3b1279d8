package dev.sluice.provider.openai;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.provider.UpstreamDecoderContract;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * A coverage-guided fuzz test (Jazzer) of the Chat Completions stream decoder: any bytes from an
 * upstream become events ending in one terminal event, never an exception. A plain test run replays
 * the committed inputs under
 * {@code src/test/resources/dev/sluice/provider/openai/OpenAiChunkDecoderFuzzTestInputs/<method>/};
 * with {@code JAZZER_FUZZ=1} it fuzzes (docs/fuzzing.md).
 */
class OpenAiChunkDecoderFuzzTest {

  @DictionaryFile(resourcePath = "openai-stream.dict")
  @Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "3m")
  void anyBodyDecodesToEventsEndingInOneTerminal(byte[] body) {
    var decoder = new OpenAiChunkDecoder("gpt-4o", new OpenAiErrorMapper("openai", "sk-fuzz"));
    UpstreamDecoderContract.decodesToEventsEndingInOneTerminal(decoder, body);
  }
}
