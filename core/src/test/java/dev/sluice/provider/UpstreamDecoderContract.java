package dev.sluice.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sse.SseEvent;
import dev.sluice.sse.SseParser;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import java.util.ArrayList;
import java.util.List;

/**
 * What every {@link UpstreamDecoder} promises for any body an upstream may send, checked by the
 * providers' fuzz tests: the bytes become canonical events ending in exactly one terminal event (a
 * finish, or a failure typed as the upstream's), never an exception out of the decoder.
 */
public final class UpstreamDecoderContract {

  private UpstreamDecoderContract() {}

  /**
   * Feeds {@code body} through an {@link SseParser} into a fresh {@code decoder}, ends the stream, and
   * checks the events it gives. Any exception escapes, and the fuzzer reports it with the input.
   */
  public static void decodesToEventsEndingInOneTerminal(UpstreamDecoder decoder, byte[] body) {
    var parser = new SseParser(decoder);
    parser.feed(body, 0, body.length);
    parser.end();
    decoder.endOfStream();
    List<StreamEvent> events = drain(decoder);

    assertThat(decoder.decoded().terminated()).isTrue();
    assertThat(events).isNotEmpty();
    assertThat(events.getLast().isTerminal()).as("the last of %s", events).isTrue();
    assertThat(events.subList(0, events.size() - 1)).noneMatch(StreamEvent::isTerminal);
    if (events.getLast() instanceof Failed failed) {
      // INTERNAL is Sluice's own fault; anything an upstream sends is the upstream's.
      assertThat(failed.error().type()).as(failed.error().message()).isNotEqualTo(ErrorType.INTERNAL);
    }
    int started = indexOf(events, Started.class);
    assertThat(events.stream().filter(Started.class::isInstance).count()).isLessThanOrEqualTo(1);
    int firstDelta = Math.min(indexOf(events, TextDelta.class), indexOf(events, ToolCallDelta.class));
    if (firstDelta < events.size()) assertThat(started).as("Started before the first delta").isLessThan(firstDelta);

    // Nothing follows the terminal event, whatever else arrives.
    decoder.onEvent(SseEvent.message("{}"));
    decoder.endOfStream();
    assertThat(decoder.decoded().poll()).isNull();
  }

  private static List<StreamEvent> drain(UpstreamDecoder decoder) {
    var events = new ArrayList<StreamEvent>();
    for (StreamEvent e = decoder.decoded().poll(); e != null; e = decoder.decoded().poll()) events.add(e);
    return events;
  }

  /** The index of the first event of {@code type}, or the size of the list if there is none. */
  private static int indexOf(List<StreamEvent> events, Class<? extends StreamEvent> type) {
    for (int i = 0; i < events.size(); i++) {
      if (type.isInstance(events.get(i))) return i;
    }
    return events.size();
  }
}
