package dev.sluice.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.Started;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import dev.sluice.testkit.ProviderTestSupport;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Streams no real upstream sends, which the fuzz test ({@link AnthropicEventDecoderFuzzTest}) or its
 * seeds turned up; each is also an input in its corpus.
 */
class AnthropicHostileStreamTest {

  @Test
  void promptCountsThatWouldOverflowALongSaturateInsteadOfFailingTheDecoder() {
    // Found by a hand-written seed of the fuzz corpus (usage-extremes.sse): input + cache reads + cache
    // writes wrapped round to a negative prompt count, and Usage's check threw out of the decoder.
    String body = """
        event: message_start
        data: {"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":9223372036854775807,\
        "cache_read_input_tokens":9223372036854775807,"cache_creation_input_tokens":1,"output_tokens":3}}}

        event: message_stop
        data: {"type":"message_stop"}

        """;
    var usage = new UsageReport(new Usage(Long.MAX_VALUE, 3, Long.MAX_VALUE, 1, 0, false));
    assertThat(ProviderTestSupport.decode(AnthropicTestSupport.decoder(), body.getBytes(StandardCharsets.UTF_8)))
        .containsExactly(new Started("m", "c", 0), usage, usage, new Finished(FinishReason.STOP));
  }
}
