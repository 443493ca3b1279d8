package dev.sluice.dialect.anthropic;

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
import java.util.HashMap;

/**
 * Encodes canonical events as an Anthropic Messages stream, in Anthropic's order and shapes, so that
 * the official SDKs (and their message accumulators) read a Sluice stream as they read Anthropic's:
 * {@code message_start}, a {@code ping}, per content block {@code content_block_start},
 * {@code content_block_delta}s and {@code content_block_stop}, then {@code message_delta} with the
 * {@code stop_reason} and the usage, and {@code message_stop}.
 *
 * <p>{@code message_start} waits for the first event after {@link Started}: when that is a
 * {@link UsageReport} (an Anthropic upstream reports its input tokens at once) the input side goes
 * into {@code message_start} as Anthropic sends it; otherwise (an OpenAI upstream reports usage at the
 * end) it starts with zeros and {@code message_delta} carries every count, which Anthropic's
 * {@code MessageDeltaUsage} allows. Holding it also keeps the response uncommitted until there is
 * something to say, so an upstream that fails at once still gets a proper error status.
 *
 * <p>Blocks: text is a {@code text} block, reasoning a {@code thinking} block (with an empty
 * {@code signature}: Sluice cannot sign thinking that another provider produced), a refusal is text
 * (Anthropic reports it through {@code stop_reason: refusal} only), and each tool call a
 * {@code tool_use} block whose arguments stream as {@code input_json_delta}. A block ends when the
 * next one of another kind or another call begins. Block indexes count from 0 in order. A fragment
 * for a call whose block already ended goes out under that block's index: no upstream interleaves
 * calls (OpenAI streams them one after the other), but the canonical model allows it; sending the
 * fragment under its block's index keeps every byte of the arguments, where reopening or dropping
 * would not. That case is not Anthropic's strict grammar and is not tested against its SDKs.
 *
 * <p>A failure ends the stream with {@code event: error} and never with {@code message_stop}, so no
 * client mistakes a broken stream for a finished one.
 */
public final class AnthropicStreamEncoder implements StreamEncoder {

  private enum Kind { TEXT, THINKING, TOOL }

  /** The per-chunk events' JSON, as bytes; holds an array only while one is sent. */
  private final Json.Utf8Buffer buffer = new Json.Utf8Buffer();
  private Started started;
  private boolean messageStarted;
  private Usage usage;
  private Kind open;
  private int nextBlock;
  /** Canonical call index to the block that carries it. */
  private final HashMap<Integer, Integer> blockOfCall = new HashMap<>();

  @Override
  public void encode(StreamEvent event, EventSink sink) throws IOException {
    switch (event) {
      case Relayed r -> { } // the passthrough's raw upstream event: only its own encoder writes it
      case Started s -> started = s;
      case UsageReport u -> {
        usage = u.usage();
        startMessage(sink);
      }
      case TextDelta t -> {
        startMessage(sink);
        Kind kind = t.channel() == TextDelta.Channel.REASONING ? Kind.THINKING : Kind.TEXT;
        if (open != kind) openBlock(sink, kind, null);
        int index = nextBlock - 1;
        sendDelta(sink, t.text(), g -> {
          g.writeStartObject();
          g.writeStringField("type", "content_block_delta");
          g.writeNumberField("index", index);
          g.writeObjectFieldStart("delta");
          if (kind == Kind.THINKING) {
            g.writeStringField("type", "thinking_delta");
            g.writeStringField("thinking", t.text());
          } else {
            g.writeStringField("type", "text_delta");
            g.writeStringField("text", t.text());
          }
          g.writeEndObject();
          g.writeEndObject();
        });
      }
      case ToolCallDelta c -> {
        startMessage(sink);
        Integer block = blockOfCall.get(c.index());
        if (block == null) {
          openBlock(sink, Kind.TOOL, c);
          block = nextBlock - 1;
          blockOfCall.put(c.index(), block);
        }
        // An empty fragment says nothing; Anthropic's first "" fragment is not needed by any reader.
        if (c.argumentsFragment().isEmpty()) return;
        int index = block;
        sendDelta(sink, c.argumentsFragment(), g -> {
          g.writeStartObject();
          g.writeStringField("type", "content_block_delta");
          g.writeNumberField("index", index);
          g.writeObjectFieldStart("delta");
          g.writeStringField("type", "input_json_delta");
          g.writeStringField("partial_json", c.argumentsFragment());
          g.writeEndObject();
          g.writeEndObject();
        });
      }
      case Finished f -> {
        startMessage(sink);
        closeBlock(sink);
        Usage u = usage == null ? Usage.NONE : usage;
        sink.event("message_delta", null, Json.write(g -> {
          g.writeStartObject();
          g.writeStringField("type", "message_delta");
          g.writeObjectFieldStart("delta");
          g.writeStringField("stop_reason", f.reason().anthropic());
          g.writeNullField("stop_sequence");
          g.writeEndObject();
          g.writeFieldName("usage");
          AnthropicUsage.write(g, u);
          g.writeEndObject();
        }));
        sink.event("message_stop", null, "{\"type\":\"message_stop\"}");
      }
      case Failed f -> sink.event("error", null, AnthropicErrors.body(f.error()));
    }
  }

  /**
   * One {@code content_block_delta}, the per-chunk event, whose only free text is {@code text}:
   * written by a pooled generator into the stream's buffer rather than through a String and a new
   * generator each time, with the same bytes (see {@link Json#writeLikeText}). Text with a lone
   * surrogate, which no real model sends, still goes through a String, whose encoding writes it as
   * {@code ?}, as it always did.
   */
  private void sendDelta(EventSink sink, String text, Json.JsonBody delta) throws IOException {
    if (Json.hasLoneSurrogate(text)) {
      sink.event("content_block_delta", null, Json.write(delta));
    } else {
      sink.event("content_block_delta", null, Json.writeLikeText(buffer, delta));
    }
  }

  private void startMessage(EventSink sink) throws IOException {
    if (messageStarted) return;
    messageStarted = true;
    Started s = started != null ? started : new Started("msg_sluice", "unknown", 0);
    Usage u = usage == null ? Usage.NONE : usage;
    sink.event("message_start", null, Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("type", "message_start");
      g.writeObjectFieldStart("message");
      g.writeStringField("id", s.id());
      g.writeStringField("type", "message");
      g.writeStringField("role", "assistant");
      g.writeStringField("model", s.model());
      g.writeArrayFieldStart("content");
      g.writeEndArray();
      g.writeNullField("stop_reason");
      g.writeNullField("stop_sequence");
      g.writeFieldName("usage");
      AnthropicUsage.write(g, u);
      g.writeEndObject();
      g.writeEndObject();
    }));
    // Anthropic sends one right after message_start; clients written against its streams expect it.
    sink.event("ping", null, "{\"type\":\"ping\"}");
  }

  private void openBlock(EventSink sink, Kind kind, ToolCallDelta call) throws IOException {
    closeBlock(sink);
    int index = nextBlock++;
    open = kind;
    sink.event("content_block_start", null, Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("type", "content_block_start");
      g.writeNumberField("index", index);
      g.writeObjectFieldStart("content_block");
      writeEmptyBlock(g, kind, call);
      g.writeEndObject();
      g.writeEndObject();
    }));
  }

  private static void writeEmptyBlock(JsonGenerator g, Kind kind, ToolCallDelta call) throws IOException {
    switch (kind) {
      case TEXT -> {
        g.writeStringField("type", "text");
        g.writeStringField("text", "");
      }
      case THINKING -> {
        g.writeStringField("type", "thinking");
        g.writeStringField("thinking", "");
        g.writeStringField("signature", "");
      }
      case TOOL -> {
        g.writeStringField("type", "tool_use");
        // Some OpenAI-compatible servers send no call id; Anthropic clients need one to answer the call.
        g.writeStringField("id", call.id() != null ? call.id() : "toolu_sluice_" + call.index());
        g.writeStringField("name", call.name() != null ? call.name() : "");
        g.writeObjectFieldStart("input");
        g.writeEndObject();
      }
    }
  }

  private void closeBlock(EventSink sink) throws IOException {
    if (open == null) return;
    int index = nextBlock - 1;
    open = null;
    sink.event("content_block_stop", null, "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
  }
}
