package dev.sluice.dialect.responses;

import dev.sluice.dialect.EventSink;
import dev.sluice.dialect.StreamEncoder;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Relayed;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.UsageReport;
import java.io.IOException;
import java.util.Set;

/**
 * The passthrough's encoder: writes each upstream event ({@link Relayed}) as it came, its type and its
 * data unchanged, and nothing of its own but an honest end. The canonical events decoded alongside
 * (the relay meters and times them) are not written again. A failure that the upstream did not say
 * itself (it broke off, a deadline, a stop) ends the stream with Sluice's own {@code response.failed},
 * numbered after the last event relayed; a stream that the upstream ended (completed, incomplete,
 * failed, error) gets nothing more.
 */
public final class ResponsesPassthroughEncoder implements StreamEncoder {
  private static final Set<String> ENDS = Set.of("response.completed", "response.incomplete", "response.failed", "error");

  /** Keeps the response's id, model and usage, for Sluice's own {@code response.failed}. */
  private final ResponsesStreamEncoder own = new ResponsesStreamEncoder();
  private long lastSequence = -1;
  private boolean ended;

  @Override
  public void encode(StreamEvent event, EventSink sink) throws IOException {
    switch (event) {
      case Relayed r -> {
        sink.event(r.type(), null, r.data());
        if (r.sequenceNumber() >= 0) lastSequence = r.sequenceNumber();
        if (r.type() != null && ENDS.contains(r.type())) ended = true;
      }
      case Started s -> own.encode(s, sink);
      case UsageReport u -> own.encode(u, sink);
      case Failed f -> {
        if (!ended) own.failAfter(lastSequence, f, sink);
      }
      default -> { }
    }
  }
}
