package dev.sluice.dialect.browser;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.dialect.EventSink;
import dev.sluice.dialect.StreamContext;
import dev.sluice.dialect.StreamEncoder;
import dev.sluice.json.Json;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Relayed;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.function.BiFunction;

/**
 * Encodes canonical events as the browser dialect: unnamed events (so {@code EventSource.onmessage}
 * sees them all), each with {@code id: <streamId>:<seq>} and a JSON object as data:
 * {@code {"stream","model"}} first, {@code {"content"}} per piece of text, then {@code {"done": true,
 * ...}} or {@code {"error": {...}}} last. The stream never ends without one of those two.
 */
public final class BrowserStreamEncoder implements StreamEncoder {
  private final StreamContext context;
  private final BiFunction<String, Usage, BigDecimal> pricing;
  private final Json.Utf8Buffer buffer = new Json.Utf8Buffer();
  private long seq;
  private Usage usage;
  /** {@code provider/model} of the model that answers, from {@link Started}: a fallback names itself. */
  private String answeringModel;

  /**
   * @param pricing the cost in USD of a usage of the answering model (given as {@code provider/model}),
   *     or null where the model has no price; the pricing function itself may be null
   */
  public BrowserStreamEncoder(StreamContext context, BiFunction<String, Usage, BigDecimal> pricing) {
    this.context = context;
    this.pricing = pricing;
  }

  @Override
  public void encode(StreamEvent event, EventSink sink) throws IOException {
    switch (event) {
      case Relayed r -> { } // the passthrough's raw upstream event: only its own encoder writes it
      case Started s -> {
        answeringModel = s.qualifiedModel();
        send(sink, g -> {
          g.writeStringField("stream", context.streamId());
          // provider/model: which upstream answered, in the same words a client routes with.
          g.writeStringField("model", answeringModel);
        });
      }
      case TextDelta t -> send(sink, g -> g.writeStringField(switch (t.channel()) {
        case CONTENT, REFUSAL -> "content";
        case REASONING -> "reasoning";
      }, t.text()));
      case ToolCallDelta c -> send(sink, g -> {
        g.writeObjectFieldStart("toolCall");
        g.writeNumberField("index", c.index());
        if (c.id() != null) g.writeStringField("id", c.id());
        if (c.name() != null) g.writeStringField("name", c.name());
        g.writeStringField("arguments", c.argumentsFragment());
        g.writeEndObject();
      });
      case UsageReport u -> usage = u.usage();
      case Finished f -> send(sink, g -> {
        g.writeBooleanField("done", true);
        g.writeStringField("finishReason", f.reason().openAi());
        Usage u = usage == null ? Usage.NONE : usage;
        g.writeObjectFieldStart("usage");
        g.writeNumberField("promptTokens", u.promptTokens());
        g.writeNumberField("completionTokens", u.completionTokens());
        g.writeNumberField("totalTokens", u.totalTokens());
        g.writeBooleanField("estimated", u.estimated());
        g.writeEndObject();
        BigDecimal cost = pricing == null || answeringModel == null ? null : pricing.apply(answeringModel, u);
        if (cost == null) g.writeNullField("costUsd");
        else g.writeNumberField("costUsd", cost);
        g.writeObjectFieldStart("timing");
        writeMillis(g, "ttftMs", context.ttftMillis());
        writeMillis(g, "overheadMs", context.overheadMillis());
        g.writeEndObject();
      });
      case Failed f -> send(sink, g -> writeError(g, f.error()));
    }
  }

  /** The data of a browser error event, also the body of a browser endpoint's 4xx/5xx answer. */
  public static String errorData(GatewayError error) {
    return Json.write(g -> {
      g.writeStartObject();
      writeError(g, error);
      g.writeEndObject();
    });
  }

  private static void writeError(JsonGenerator g, GatewayError error) throws IOException {
    g.writeObjectFieldStart("error");
    g.writeStringField("message", error.message());
    g.writeStringField("type", error.type().openAiType());
    g.writeBooleanField("retryable", error.retryable());
    g.writeEndObject();
  }

  private static void writeMillis(JsonGenerator g, String field, double millis) throws IOException {
    if (millis < 0) g.writeNullField(field);
    else g.writeNumberField(field, Math.round(millis * 100) / 100.0);
  }

  private void send(EventSink sink, Json.JsonBody fields) throws IOException {
    Json.write(buffer, g -> {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    });
    sink.event(null, context.streamId() + ":" + seq++, buffer);
  }
}
