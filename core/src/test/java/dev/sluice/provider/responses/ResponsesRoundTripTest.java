package dev.sluice.provider.responses;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dialect.EventSink;
import dev.sluice.dialect.responses.ResponsesStreamEncoder;
import dev.sluice.sse.SseWriter;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import dev.sluice.testkit.ProviderTestSupport;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Responses upstream decoder, fed what the Responses client encoder writes, gives the canonical events back. */
class ResponsesRoundTripTest {

  /** The bytes the encoder writes for {@code events}, as a client would read them. */
  private static byte[] encode(List<StreamEvent> events) throws IOException {
    var out = new SseWriter();
    var encoder = new ResponsesStreamEncoder();
    EventSink sink = new EventSink() {
      @Override
      public void event(String type, String id, String data) {
        out.event(type, id, data);
      }

      @Override
      public void event(String type, String id, byte[] utf8, int off, int len) {
        out.event(type, id, utf8, off, len);
      }

      @Override
      public void comment(String text) {
        out.comment(text);
      }
    };
    for (StreamEvent e : events) encoder.encode(e, sink);
    return out.toByteArray();
  }

  private static List<StreamEvent> roundTrip(List<StreamEvent> events) throws IOException {
    return ProviderTestSupport.decode(ResponsesTestSupport.decoder(), encode(events));
  }

  /** The decoder names the provider it decodes for, and the time is zeroed by the test decoding. */
  private static final Started STARTED = new Started("resp_abc", "gpt-5", "test", 0);

  @Test
  void reasoningTextRefusalToolCallsAndUsageComeBackAsTheyWent() throws IOException {
    List<StreamEvent> events = List.of(STARTED,
        new TextDelta(TextDelta.Channel.REASONING, "Let me think"),
        TextDelta.content("Hello, "),
        TextDelta.content("wörld 🌍"),
        new TextDelta(TextDelta.Channel.REFUSAL, "not that"),
        new ToolCallDelta(0, "call_1", "lookup", ""),
        new ToolCallDelta(0, null, null, "{\"q\":"),
        new ToolCallDelta(0, null, null, "\"x\"}"),
        new ToolCallDelta(1, "call_2", "other", ""),
        new ToolCallDelta(1, null, null, "{}"),
        new UsageReport(new Usage(12, 34, 5, 0, 6, false)),
        new Finished(FinishReason.TOOL_CALLS));

    assertThat(roundTrip(events)).isEqualTo(events);
  }

  @Test
  void argumentsInACallsOpeningFragmentComeBackAsItsFirstDelta() throws IOException {
    // A function_call item is added with empty arguments, as OpenAI adds it; its arguments follow as deltas.
    List<StreamEvent> back = roundTrip(List.of(STARTED, new ToolCallDelta(0, "call_1", "f", "{\"a\":1}"),
        new Finished(FinishReason.TOOL_CALLS)));

    assertThat(back).containsExactly(STARTED, new ToolCallDelta(0, "call_1", "f", ""),
        new ToolCallDelta(0, null, null, "{\"a\":1}"), new UsageReport(Usage.NONE), new Finished(FinishReason.TOOL_CALLS));
  }

  @Test
  void aLengthFinishComesBackAsLength() throws IOException {
    List<StreamEvent> events = List.of(STARTED, TextDelta.content("cut"), new UsageReport(Usage.of(1, 1)),
        new Finished(FinishReason.LENGTH));

    assertThat(roundTrip(events)).isEqualTo(events);
  }

  @Test
  void aContentFilterFinishComesBackAsContentFilter() throws IOException {
    List<StreamEvent> events = List.of(STARTED, TextDelta.content("a"), new UsageReport(Usage.of(1, 1)),
        new Finished(FinishReason.CONTENT_FILTER));

    assertThat(roundTrip(events)).isEqualTo(events);
  }

  @Test
  void aFailureComesBackAsAFailureAfterTheTextThatGotThrough() throws IOException {
    List<StreamEvent> events = List.of(STARTED, TextDelta.content("partial"),
        new Failed(GatewayError.of(ErrorType.RATE_LIMITED, "slow down")));

    List<StreamEvent> back = roundTrip(events);

    assertThat(back.subList(0, 2)).isEqualTo(events.subList(0, 2));
    assertThat(back.getLast()).isInstanceOfSatisfying(Failed.class,
        f -> assertThat(f.error().type()).isEqualTo(ErrorType.RATE_LIMITED));
  }
}
