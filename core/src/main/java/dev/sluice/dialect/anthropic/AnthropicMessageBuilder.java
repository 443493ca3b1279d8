package dev.sluice.dialect.anthropic;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.json.Json;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Relayed;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects a canonical stream into one Anthropic {@code Message} object, for clients that asked for
 * {@code stream: false}. Content blocks come in the order the stream produced them, under the same
 * rules as {@link AnthropicStreamEncoder}: consecutive text (or reasoning) is one block, each tool call
 * one {@code tool_use} block whose {@code input} is its arguments parsed as a JSON object.
 */
public final class AnthropicMessageBuilder {

  private sealed interface Block {}

  private record TextBlock(boolean thinking, StringBuilder text) implements Block {}

  private static final class ToolBlock implements Block {
    final int index;
    String id;
    String name;
    final StringBuilder arguments = new StringBuilder();

    ToolBlock(int index) {
      this.index = index;
    }
  }

  private Started started;
  private final List<Block> blocks = new ArrayList<>();
  private Usage usage = Usage.NONE;
  private FinishReason finishReason;

  /** Takes one event of a successful stream. */
  public void add(StreamEvent event) {
    switch (event) {
      case Relayed r -> { } // the passthrough's raw upstream event: only its own encoder writes it
      case Started s -> started = s;
      case TextDelta t -> {
        boolean thinking = t.channel() == TextDelta.Channel.REASONING;
        Block last = blocks.isEmpty() ? null : blocks.getLast();
        if (last instanceof TextBlock tb && tb.thinking() == thinking) {
          tb.text().append(t.text());
        } else {
          blocks.add(new TextBlock(thinking, new StringBuilder(t.text())));
        }
      }
      case ToolCallDelta c -> {
        ToolBlock call = null;
        for (Block b : blocks) if (b instanceof ToolBlock tb && tb.index == c.index()) call = tb;
        if (call == null) {
          call = new ToolBlock(c.index());
          blocks.add(call);
        }
        if (c.id() != null) call.id = c.id();
        if (c.name() != null) call.name = c.name();
        call.arguments.append(c.argumentsFragment());
      }
      case UsageReport u -> usage = u.usage();
      case Finished f -> finishReason = f.reason();
      default -> throw new IllegalArgumentException("a message is built from a successful stream only: " + event);
    }
  }

  /**
   * The {@code Message} JSON.
   *
   * @throws GatewayException when a tool call's arguments are not a JSON object: Anthropic's
   *     {@code input} is always an object, and a client cannot be given half a call
   */
  public String build() throws GatewayException {
    for (Block b : blocks) {
      if (b instanceof ToolBlock tb) requireObject(tb);
    }
    Started s = started != null ? started : new Started("msg_sluice", "unknown", 0);
    return Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("id", s.id());
      g.writeStringField("type", "message");
      g.writeStringField("role", "assistant");
      g.writeStringField("model", s.model());
      g.writeArrayFieldStart("content");
      for (Block b : blocks) {
        g.writeStartObject();
        switch (b) {
          case TextBlock tb when tb.thinking() -> {
            g.writeStringField("type", "thinking");
            g.writeStringField("thinking", tb.text().toString());
            g.writeStringField("signature", "");
          }
          case TextBlock tb -> {
            g.writeStringField("type", "text");
            g.writeStringField("text", tb.text().toString());
          }
          case ToolBlock tb -> {
            g.writeStringField("type", "tool_use");
            g.writeStringField("id", tb.id != null ? tb.id : "toolu_sluice_" + tb.index);
            g.writeStringField("name", tb.name != null ? tb.name : "");
            g.writeFieldName("input");
            String args = tb.arguments.toString();
            try (JsonParser p = Json.FACTORY.createParser(args.isBlank() ? "{}" : args)) {
              p.nextToken();
              g.copyCurrentStructure(p);
            }
          }
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeStringField("stop_reason", (finishReason == null ? FinishReason.STOP : finishReason).anthropic());
      g.writeNullField("stop_sequence");
      g.writeFieldName("usage");
      AnthropicUsage.write(g, usage);
      g.writeEndObject();
    });
  }

  private static void requireObject(ToolBlock tb) throws GatewayException {
    String args = tb.arguments.toString();
    if (args.isBlank()) return;
    try (JsonParser p = Json.FACTORY.createParser(args)) {
      if (p.nextToken() == JsonToken.START_OBJECT) {
        p.skipChildren();
        if (p.nextToken() == null) return;
      }
    } catch (JsonProcessingException e) {
      // Reported below: the arguments are not one JSON object.
    } catch (IOException e) {
      throw new IllegalStateException("reading a String failed", e);
    }
    throw new GatewayException(GatewayError.of(ErrorType.UPSTREAM_ERROR, "The model's arguments for tool call '"
        + (tb.name == null ? tb.index : tb.name) + "' are not a JSON object, which an Anthropic tool_use input must be."));
  }
}
