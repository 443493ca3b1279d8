package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sse.SseEvent;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.ToolCallDelta;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Streams no real upstream sends, which the fuzz test ({@link OpenAiChunkDecoderFuzzTest}) turned up;
 * each is also an input in its corpus.
 */
class OpenAiHostileStreamTest {

  private final OpenAiChunkDecoder decoder = new OpenAiChunkDecoder("gpt-4o", new OpenAiErrorMapper("openai", "sk-x"));

  @Test
  void aToolCallIndexThatIsNotANumberCountsAsMissing() {
    // Found by the fuzzer (crash-40e016ba-tool-call-index-a-string.sse): "index":"0" threw a
    // NullPointerException out of the decoder instead of being read as a call without an index.
    decoder.onEvent(SseEvent.message("""
        {"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[
          {"index":"0","id":"call_a","function":{"name":"f","arguments":"{}"}},
          {"index":null,"function":{"arguments":" "}}]}}]}"""));
    decoder.onEvent(SseEvent.message("[DONE]"));
    List<StreamEvent> events = new ArrayList<>();
    for (StreamEvent e = decoder.decoded().poll(); e != null; e = decoder.decoded().poll()) events.add(e);
    assertThat(events).hasSize(4).endsWith(new ToolCallDelta(0, "call_a", "f", "{}"), new ToolCallDelta(0, null, null, " "),
        new Finished(FinishReason.TOOL_CALLS));
  }
}
