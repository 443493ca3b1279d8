package dev.sluice.provider.responses;

import static dev.sluice.provider.responses.ResponsesTestSupport.provider;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.ErrorType;
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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each Responses stream of {@code fixtures/responses} (README.md there says where each comes from),
 * through the real provider and real sockets, gives the expected canonical events.
 */
class ResponsesFixtureStreamTest {

  /** What a finished fixture must decode to (values read off the files, not off this code). */
  record Expected(String fixture, String id, String model, long created, String content, String reasoning,
      FinishReason finish, Usage usage) {
    @Override
    public String toString() {
      return fixture;
    }
  }

  static Stream<Expected> finishedFixtures() {
    return Stream.of(
        new Expected("spec-text.sse", "resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654", "gpt-5.4", 1741290958,
            "Hi", "", FinishReason.STOP, new Usage(37, 11, 0, 0, 0, false)),
        new Expected("node-text.sse", "resp_test_1", "gpt-4o-2024-08-06", 1723031665, "Hello world", "",
            FinishReason.STOP, new Usage(10, 2, 0, 0, 0, false)),
        new Expected("node-reasoning.sse", "resp_reason_1", "o3", 1723031666, "The answer is 42",
            "Chain: Step 1. Step 2.", FinishReason.STOP, new Usage(0, 6, 0, 0, 2, false)),
        new Expected("python-incomplete.sse", "resp_test", "gpt-4o-mini", 1700000000, "{\"val", "",
            FinishReason.LENGTH, null));
  }

  @RegisterExtension
  final FakeUpstream upstream = FakeUpstream.start();

  private Transcript run(Script script) {
    return ProviderTestSupport.run(upstream, provider(upstream), ProviderTestSupport.hello("gpt-4o"), script);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("finishedFixtures")
  void recordedStreamDecodesToItsTextFinishReasonAndUsage(Expected x) {
    Transcript t = run(Script.fromFixture("fixtures/responses/" + x.fixture()));

    assertThat(t.started().id()).isEqualTo(x.id());
    assertThat(t.started().model()).isEqualTo(x.model());
    assertThat(t.started().provider()).isEqualTo("test");
    assertThat(t.started().createdEpochSeconds()).isEqualTo(x.created());
    assertThat(t.content()).isEqualTo(x.content());
    assertThat(t.text(TextDelta.Channel.REASONING)).isEqualTo(x.reasoning());
    assertThat(t.toolCalls()).isEmpty();
    assertThat(t.terminal()).isEqualTo(new Finished(x.finish()));
    List<StreamEvent> events = t.events();
    if (x.usage() == null) {
      assertThat(t.usageReports()).isZero();
    } else {
      assertThat(t.usageReports()).isEqualTo(1);
      assertThat(events.get(events.size() - 2)).isEqualTo(new UsageReport(x.usage()));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("finishedFixtures")
  void anySplitOfTheBytesGivesTheSameEvents(Expected x) {
    byte[] body = Script.fixtureBytes("fixtures/responses/" + x.fixture());
    List<StreamEvent> reference = ProviderTestSupport.decode(ResponsesTestSupport.decoder(), body);

    assertThat(ProviderTestSupport.assertEverySplitDecodesAlike(ResponsesTestSupport::decoder, body))
        .isEqualTo(reference);
  }

  @Test
  void anErrorEventFailsTheStreamWithItsCodeAndMessage() {
    Transcript t = run(Script.fromFixture("fixtures/responses/spec-error-event.sse"));

    assertThat(t.started().id()).isEqualTo("resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654");
    assertThat(t.failure().type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(t.failure().code()).isEqualTo("ERR_SOMETHING");
    assertThat(t.failure().message()).contains("upstream 'test'").contains("ERR_SOMETHING");
  }

  @Test
  void aFailedResponseFailsTheStreamAndNeverFinishes() {
    Transcript t = run(Script.fromFixture("fixtures/responses/node-failed.sse"));

    assertThat(t.started().id()).isEqualTo("resp_123");
    assertThat(t.failure().type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(t.failure().code()).isEqualTo("server_error");
    assertThat(t.events()).noneMatch(Finished.class::isInstance);
  }

  @Test
  void aStreamCutBeforeItsTerminalEventIsATruncation() {
    String whole = new String(Script.fixtureBytes("fixtures/responses/node-text.sse"), StandardCharsets.UTF_8);
    String cut = whole.substring(0, whole.indexOf("data: {\"response\":{\"id\":\"resp_test_1\",\"object\":\"response\","
        + "\"created_at\":1723031665,\"model\":\"gpt-4o-2024-08-06\",\"output\":[{"));

    Transcript t = run(Script.sseBody(cut));

    assertThat(t.content()).isEqualTo("Hello world");
    assertThat(t.failure().type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(t.failure().message()).contains("ended before response.completed");
  }
}
