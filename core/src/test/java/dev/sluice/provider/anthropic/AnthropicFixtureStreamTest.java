package dev.sluice.provider.anthropic;

import static dev.sluice.provider.anthropic.AnthropicTestSupport.hello;
import static dev.sluice.provider.anthropic.AnthropicTestSupport.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.ProviderTestSupport;
import dev.sluice.testkit.Script;
import dev.sluice.testkit.Transcript;
import dev.sluice.testkit.Transcript.Call;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each Anthropic stream fixture, through the real provider and real sockets, gives the expected events. */
class AnthropicFixtureStreamTest {

  /** What a fixture must decode to, read off the fixture files by hand. */
  record Expected(String fixture, String id, String content, String reasoning, List<Call> calls, FinishReason finish,
      Usage usage) {
    @Override
    public String toString() {
      return fixture;
    }
  }

  static Stream<Expected> fixtures() {
    return Stream.of(
        new Expected("text.sse", "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "Hello!", "", List.of(), FinishReason.STOP,
            new Usage(25, 15, 0, 0, 0, false)),
        new Expected("tool-use.sse", "msg_014p7gG3wDgGV9EUtLvnow3U",
            "Okay, let's check the weather for San Francisco, CA:", "",
            List.of(new Call(0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather",
                "{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}")),
            FinishReason.TOOL_CALLS, new Usage(472, 89, 0, 0, 0, false)),
        // message_delta revises input_tokens (2679 -> 10682): the later, cumulative count wins.
        new Expected("cache-usage.sse", "msg_01G...", "Done.", "", List.of(), FinishReason.STOP,
            new Usage(10682, 510, 0, 0, 0, false)),
        // prompt = 40 input + 50 cache read + 10 cache write.
        new Expected("thinking.sse", "msg_thinking", "12231",
            "Let me solve this step by step:\n\n1. First break down 27 * 453", List.of(), FinishReason.LENGTH,
            new Usage(100, 120, 50, 10, 0, false)),
        new Expected("two-tools.sse", "msg_two_tools", "", "",
            List.of(new Call(0, "toolu_01A", "get_weather", "{\"city\": \"Paris\"}"),
                new Call(1, "toolu_01B", "get_time", "{\"tz\": \"Europe/Paris\"}")),
            FinishReason.TOOL_CALLS, new Usage(700, 61, 200, 0, 0, false)));
  }

  @RegisterExtension
  final FakeUpstream upstream = FakeUpstream.start();

  private Transcript run(Script script) {
    return ProviderTestSupport.run(upstream, provider(upstream), hello(), script);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void fixtureDecodesToTheExpectedEvents(Expected e) {
    Transcript t = run(Script.fromFixture("fixtures/anthropic/" + e.fixture()));
    assertThat(t.started().id()).isEqualTo(e.id());
    assertThat(t.started().model()).isEqualTo("claude-opus-4-1-20250805");
    assertThat(t.content()).isEqualTo(e.content());
    assertThat(t.text(TextDelta.Channel.REASONING)).isEqualTo(e.reasoning());
    assertThat(t.toolCalls()).isEqualTo(e.calls());
    assertThat(t.finishReason()).isEqualTo(e.finish());
    assertThat(t.usage()).isEqualTo(e.usage());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void fixtureCutIntoTinyChunksDecodesTheSame(Expected e) {
    Transcript t = run(Script.fromFixture("fixtures/anthropic/" + e.fixture()).chunkBytes(3));
    assertThat(t.content()).isEqualTo(e.content());
    assertThat(t.toolCalls()).isEqualTo(e.calls());
    assertThat(t.usage()).isEqualTo(e.usage());
  }

  @Test
  void anErrorEventAfterTextFailsTheStreamWithTheTypedErrorAndKeepsTheText() {
    Transcript t = run(Script.fromFixture("fixtures/anthropic/error-midstream.sse"));
    assertThat(t.content()).isEqualTo("Hello");
    assertThat(t.failure().type()).isEqualTo(ErrorType.UPSTREAM_OVERLOADED);
    assertThat(t.failure().message()).isEqualTo("upstream 'anthropic' failed mid-stream (overloaded_error)");
    // The input side was already accounted for in message_start.
    assertThat(t.usage()).isEqualTo(new Usage(25, 1, 0, 0, 0, false));
  }

  @Test
  void messageStartGivesAnEarlyUsageReportAndTheFinalOneReplacesIt() {
    Transcript t = run(Script.fromFixture("fixtures/anthropic/text.sse"));
    List<StreamEvent> events = t.events();
    assertThat(events.get(1)).isEqualTo(new UsageReport(new Usage(25, 1, 0, 0, 0, false)));
    assertThat(t.usageReports()).isEqualTo(2);
  }

  @Test
  void everyStopReasonMapsToACanonicalFinish() {
    assertThat(AnthropicEventDecoder.finishReason("end_turn")).isEqualTo(FinishReason.STOP);
    assertThat(AnthropicEventDecoder.finishReason("stop_sequence")).isEqualTo(FinishReason.STOP);
    assertThat(AnthropicEventDecoder.finishReason("pause_turn")).isEqualTo(FinishReason.STOP);
    assertThat(AnthropicEventDecoder.finishReason("max_tokens")).isEqualTo(FinishReason.LENGTH);
    assertThat(AnthropicEventDecoder.finishReason("model_context_window_exceeded")).isEqualTo(FinishReason.LENGTH);
    assertThat(AnthropicEventDecoder.finishReason("tool_use")).isEqualTo(FinishReason.TOOL_CALLS);
    assertThat(AnthropicEventDecoder.finishReason("refusal")).isEqualTo(FinishReason.CONTENT_FILTER);
  }
}
