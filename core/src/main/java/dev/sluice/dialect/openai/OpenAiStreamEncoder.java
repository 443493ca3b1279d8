package dev.sluice.dialect.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.dialect.EventSink;
import dev.sluice.dialect.StreamEncoder;
import dev.sluice.json.Json;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Finished;
import dev.sluice.stream.Relayed;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.io.IOException;

/**
 * Encodes canonical events as OpenAI {@code chat.completion.chunk}s, laid out as OpenAI lays them
 * out, so that the official SDKs read a Sluice stream as they read OpenAI's.
 *
 * <p>Like OpenAI, the first chunk carries only the role; it goes out with the first delta, once the
 * kind of answer is known ({@code content: ""} for text, {@code content: null} for a refusal or a
 * tool call). The usage chunk ({@code choices: []}) follows the finish chunk only when the client
 * asked for it with {@code stream_options.include_usage}. A failure ends the stream with a
 * {@code data: {"error": ...}} line and never with {@code [DONE]}, so no client mistakes a broken
 * stream for a finished one.
 */
public final class OpenAiStreamEncoder implements StreamEncoder {
  /** The terminator OpenAI sends after the last chunk. */
  public static final String DONE = "[DONE]";

  private final boolean includeUsage;
  private final Json.Utf8Buffer buffer = new Json.Utf8Buffer();
  private String id;
  private String model;
  private long created;
  private boolean roleSent;
  private Usage usage;

  /** @param includeUsage whether the client asked for the final usage chunk */
  public OpenAiStreamEncoder(boolean includeUsage) {
    this.includeUsage = includeUsage;
  }

  @Override
  public void encode(StreamEvent event, EventSink sink) throws IOException {
    switch (event) {
      case Relayed r -> { } // the passthrough's raw upstream event: only its own encoder writes it
      case Started s -> {
        id = s.id();
        model = s.model();
        created = s.createdEpochSeconds();
      }
      case TextDelta t -> {
        sendRole(sink, t.channel() == TextDelta.Channel.REFUSAL ? RoleChunk.REFUSAL
            : t.channel() == TextDelta.Channel.CONTENT ? RoleChunk.CONTENT : RoleChunk.NULL_CONTENT);
        String field = switch (t.channel()) {
          case CONTENT -> "content";
          case REFUSAL -> "refusal";
          // Not part of OpenAI's schema; the name OpenAI-compatible reasoning servers use.
          case REASONING -> "reasoning_content";
        };
        send(sink, chunk(g -> g.writeStringField(field, t.text()), null));
      }
      case ToolCallDelta c -> {
        sendRole(sink, RoleChunk.NULL_CONTENT);
        send(sink, chunk(g -> {
          g.writeArrayFieldStart("tool_calls");
          g.writeStartObject();
          g.writeNumberField("index", c.index());
          if (c.id() != null) g.writeStringField("id", c.id());
          if (c.opensCall()) g.writeStringField("type", "function");
          g.writeObjectFieldStart("function");
          if (c.name() != null) g.writeStringField("name", c.name());
          g.writeStringField("arguments", c.argumentsFragment());
          g.writeEndObject();
          g.writeEndObject();
          g.writeEndArray();
        }, null));
      }
      case UsageReport u -> usage = u.usage();
      case Finished f -> {
        sendRole(sink, RoleChunk.CONTENT);
        send(sink, chunk(g -> {}, f.reason().openAi()));
        if (includeUsage) send(sink, usageChunk());
        sink.event(null, null, DONE);
      }
      case Failed f -> sink.event(null, null, OpenAiErrors.body(f.error()));
    }
  }

  private enum RoleChunk { CONTENT, REFUSAL, NULL_CONTENT }

  private void sendRole(EventSink sink, RoleChunk kind) throws IOException {
    if (roleSent) return;
    roleSent = true;
    send(sink, chunk(g -> {
      g.writeStringField("role", "assistant");
      switch (kind) {
        case CONTENT -> {
          g.writeStringField("content", "");
          g.writeNullField("refusal");
        }
        case REFUSAL -> {
          g.writeNullField("content");
          g.writeStringField("refusal", "");
        }
        case NULL_CONTENT -> g.writeNullField("content");
      }
    }, null));
  }

  private static void send(EventSink sink, Json.Utf8Buffer json) throws IOException {
    sink.event(null, null, json);
  }

  private Json.Utf8Buffer chunk(Json.JsonBody delta, String finishReason) {
    return Json.write(buffer, g -> {
      header(g);
      g.writeArrayFieldStart("choices");
      g.writeStartObject();
      g.writeNumberField("index", 0);
      g.writeObjectFieldStart("delta");
      delta.write(g);
      g.writeEndObject();
      g.writeNullField("logprobs");
      g.writeStringField("finish_reason", finishReason);
      g.writeEndObject();
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private Json.Utf8Buffer usageChunk() {
    return Json.write(buffer, g -> {
      header(g);
      g.writeArrayFieldStart("choices");
      g.writeEndArray();
      g.writeFieldName("usage");
      OpenAiUsage.write(g, usage == null ? Usage.NONE : usage);
      g.writeEndObject();
    });
  }

  private void header(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    g.writeStringField("object", "chat.completion.chunk");
    g.writeNumberField("created", created);
    g.writeStringField("model", model);
  }
}
