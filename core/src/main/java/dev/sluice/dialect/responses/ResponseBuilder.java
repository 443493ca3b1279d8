package dev.sluice.dialect.responses;

import dev.sluice.json.Json;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Finished;
import dev.sluice.stream.Relayed;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.UsageReport;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Collects a canonical stream into one Responses {@code Response} object ({@code object: "response"}),
 * for clients that asked for {@code stream: false}: the same output items, status, usage,
 * {@code incomplete_details} and {@code error} the streaming encoder's terminal event carries, because
 * both are built by {@link ResponseOutput}.
 */
public final class ResponseBuilder {
  private final ResponseOutput output = new ResponseOutput();

  /** Takes one event, a failure included (the response's status is then {@code failed}). */
  public void add(StreamEvent event) {
    try {
      switch (event) {
        case Relayed r -> { } // the passthrough's raw upstream event: only its own encoder writes it
        case Started s -> output.start(s);
        case UsageReport u -> output.usage(u.usage());
        case TextDelta t -> output.textItem(t.channel(), ResponseOutput.Lifecycle.SILENT).lastPart().text.append(t.text());
        case ToolCallDelta c -> output.callItem(c, ResponseOutput.Lifecycle.SILENT).arguments.append(c.argumentsFragment());
        case Finished f -> output.finish(f.reason(), ResponseOutput.Lifecycle.SILENT);
        case Failed f -> output.fail(f.error());
      }
    } catch (IOException e) {
      // The silent lifecycle writes nothing.
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code Response} JSON. */
  public String build() {
    return Json.write(output::writeResponse);
  }
}
