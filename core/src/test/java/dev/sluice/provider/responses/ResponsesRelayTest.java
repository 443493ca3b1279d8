package dev.sluice.provider.responses;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.Finished;
import dev.sluice.stream.Relayed;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.testkit.ProviderTestSupport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decoder in passthrough mode: every event whole, before what is decoded from it; otherwise none. */
class ResponsesRelayTest {
  static final String BODY = """
      event: response.web_search_call.searching
      data: {"type":"response.web_search_call.searching","sequence_number":1,"item_id":"ws_1"}

      event: response.output_text.delta
      data: {"type":"response.output_text.delta","sequence_number":2,"delta":"Hi"}

      event: response.completed
      data: {"type":"response.completed","sequence_number":3,"response":{"id":"r","model":"m","status":"completed"}}

      """;

  static List<StreamEvent> decode(boolean relay) {
    var decoder = new ResponsesEventDecoder("gpt-4o", new ResponsesErrorMapper("test", "sk-test-0123456789abcdef"), relay);
    return ProviderTestSupport.decode(decoder, BODY.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aPassthroughDecoderHandsEveryEventOnWholeBeforeWhatItDecodes() {
    List<StreamEvent> events = decode(true);

    assertThat(events.getFirst()).isEqualTo(new Relayed("response.web_search_call.searching",
        "{\"type\":\"response.web_search_call.searching\",\"sequence_number\":1,\"item_id\":\"ws_1\"}", 1));
    int delta = events.indexOf(new TextDelta(TextDelta.Channel.CONTENT, "Hi"));
    int relayed = events.indexOf(new Relayed("response.output_text.delta",
        "{\"type\":\"response.output_text.delta\",\"sequence_number\":2,\"delta\":\"Hi\"}", 2));
    assertThat(relayed).isNotNegative().isLessThan(delta);
    assertThat(events.getLast()).isInstanceOf(Finished.class);
    assertThat(events.stream().filter(Relayed.class::isInstance)).hasSize(3);
  }

  @Test
  void aTranslatingDecoderHandsNothingOnWhole() {
    assertThat(decode(false)).noneMatch(Relayed.class::isInstance).isNotEmpty();
  }
}
