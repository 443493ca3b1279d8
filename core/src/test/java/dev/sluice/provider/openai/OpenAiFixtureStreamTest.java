package dev.sluice.provider.openai;

import static dev.sluice.provider.openai.OpenAiTestSupport.hello;
import static dev.sluice.provider.openai.OpenAiTestSupport.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.ProviderTestSupport;
import dev.sluice.testkit.Script;
import dev.sluice.testkit.Transcript;
import dev.sluice.testkit.Transcript.Call;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each recorded OpenAI stream, through the real provider and real sockets, gives the expected events. */
class OpenAiFixtureStreamTest {

  /** What a fixture must decode to (values read off the recordings independently of this code). */
  record Expected(String fixture, String id, long created, String content, String refusal, List<Call> calls,
      FinishReason finish, long promptTokens, long completionTokens) {
    @Override
    public String toString() {
      return fixture;
    }
  }

  static Stream<Expected> fixtures() {
    return Stream.of(
        new Expected("text.sse", "chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL", 1727346168,
            "I'm unable to provide real-time weather updates. To get the current weather in San Francisco, I "
                + "recommend checking a reliable weather website or a weather app.",
            "", List.of(), FinishReason.STOP, 14, 30),
        new Expected("tool-call.sse", "chatcmpl-ABfwERreu9s99xXsVuOWtIB2UOx62", 1727346182, "", "",
            List.of(new Call(0, "call_4XzlGBLtUe9dy3GVNV4jhq7h", "get_weather", "{\"city\":\"New York City\"}")),
            FinishReason.TOOL_CALLS, 44, 16),
        new Expected("two-tool-calls.sse", "chatcmpl-ABfwAwrNePHUgBBezonVC6MX3zd63", 1727346178, "", "",
            List.of(
                new Call(0, "call_JMW1whyEaYG438VE1OIflxA2", "GetWeatherArgs",
                    "{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}"),
                new Call(1, "call_DNYTawLBoN8fj3KN6qU9N1Ou", "get_stock_price",
                    "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}")),
            FinishReason.TOOL_CALLS, 149, 60),
        new Expected("length.sse", "chatcmpl-ABfw3Oqj8RD0z6aJiiX37oTjV2HFh", 1727346171, "{\"", "", List.of(),
            FinishReason.LENGTH, 79, 1),
        new Expected("n3-excerpt.sse", "chatcmpl-ABfw2KKFuVXmEJgVwYfBvejMAdWtq", 1727346170, "{\"", "", List.of(),
            FinishReason.STOP, 79, 42),
        new Expected("refusal.sse", "chatcmpl-ABfw4IfQfCCrcuybFm41wJyxjbkz7", 1727346172, "",
            "I'm sorry, I can't assist with that request.", List.of(), FinishReason.STOP, 79, 11));
  }

  @RegisterExtension
  final FakeUpstream upstream = FakeUpstream.start();

  private Transcript run(Script script) {
    return ProviderTestSupport.run(upstream, provider(upstream), hello(), script);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void recordedStreamDecodesToItsTextToolCallsFinishReasonAndUsage(Expected x) {
    Transcript t = run(Script.fromFixture("fixtures/openai/" + x.fixture()));

    assertThat(t.started().id()).isEqualTo(x.id());
    assertThat(t.started().model()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(t.started().createdEpochSeconds()).isEqualTo(x.created());
    assertThat(t.content()).isEqualTo(x.content());
    assertThat(t.text(TextDelta.Channel.REFUSAL)).isEqualTo(x.refusal());
    assertThat(t.text(TextDelta.Channel.REASONING)).isEmpty();
    assertThat(t.toolCalls()).isEqualTo(x.calls());
    assertThat(t.finishReason()).isEqualTo(x.finish());
    assertThat(t.usage()).isEqualTo(new Usage(x.promptTokens(), x.completionTokens(), 0, 0, 0, false));
    // The held finish comes after the usage chunk, as one report followed by the terminal.
    List<StreamEvent> events = t.events();
    assertThat(t.usageReports()).isEqualTo(1);
    assertThat(events.get(events.size() - 2)).isInstanceOf(UsageReport.class);
    assertThat(events.getLast()).isEqualTo(new Finished(x.finish()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void anySplitOfTheBytesGivesTheSameEvents(Expected x) {
    Script whole = Script.fromFixture("fixtures/openai/" + x.fixture());
    List<StreamEvent> reference = run(whole).events();

    assertThat(run(whole.chunkBytes(1)).events()).isEqualTo(reference);
    assertThat(run(whole.chunkBytes(7)).events()).isEqualTo(reference);
    assertThat(run(whole.chunkBytes(8192 + 3)).events()).isEqualTo(reference);
  }

  @Test
  void crlfLineEndingsGiveTheSameEventsAsLf() {
    byte[] lf = Script.fixtureBytes("fixtures/openai/two-tool-calls.sse");
    String crlf = new String(lf, StandardCharsets.UTF_8).replace("\n", "\r\n");
    List<StreamEvent> reference = run(Script.fromFixture("fixtures/openai/two-tool-calls.sse")).events();

    assertThat(run(Script.sseBody(crlf)).events()).isEqualTo(reference);
    assertThat(run(Script.sseBody(crlf).chunkBytes(1)).events()).isEqualTo(reference);
  }

  @Test
  void textDeltasArriveOnePerChunkWithoutTheEmptyFirstContent() {
    Transcript t = run(Script.fromFixture("fixtures/openai/text.sse"));

    long deltas = t.events().stream().filter(e -> e instanceof TextDelta).count();
    // 34 events: role chunk with "" content, 30 text chunks, finish, usage, [DONE].
    assertThat(deltas).isEqualTo(30);
  }
}
