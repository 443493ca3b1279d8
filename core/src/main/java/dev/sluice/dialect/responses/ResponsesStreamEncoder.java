package dev.sluice.dialect.responses;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.dialect.EventSink;
import dev.sluice.dialect.StreamEncoder;
import dev.sluice.dialect.responses.ResponseOutput.Item;
import dev.sluice.dialect.responses.ResponseOutput.Kind;
import dev.sluice.dialect.responses.ResponseOutput.Part;
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

/**
 * Encodes canonical events as an OpenAI Responses stream, in the order and shapes OpenAI sends, so that
 * the official SDKs and the Vercel AI SDK read a Sluice stream as they read OpenAI's: {@code response.created}
 * and {@code response.in_progress}; per output item {@code response.output_item.added}, its parts' and
 * deltas' events, {@code response.output_item.done}; then one terminal event. Every event carries a
 * {@code sequence_number}, from 0, one more each time.
 *
 * <p>Items (see {@link ResponseOutput}): reasoning is a {@code reasoning} item streamed as summary text
 * ({@code response.reasoning_summary_part.added}, {@code response.reasoning_summary_text.delta} ...);
 * text a {@code message} item's {@code output_text} part; a refusal its {@code refusal} part
 * ({@code response.refusal.delta}); each tool call a {@code function_call} item whose arguments stream as
 * {@code response.function_call_arguments.delta}.
 *
 * <p>Honest ends: a finish for STOP or TOOL_CALLS is {@code response.completed} with the usage; a finish
 * cut by the token limit is {@code response.incomplete} with {@code incomplete_details.reason:
 * "max_output_tokens"} (a filter: {@code "content_filter"}); a failure is {@code response.failed} with
 * its {@code error}, never a completion, and the items it interrupted are left without their
 * {@code done} events, as they were.
 *
 * <p>{@code response.created} waits for the first event after {@link Started}: that keeps the response
 * uncommitted until there is something to say, so an upstream that fails at once still gets a proper
 * error status. The JSON of each event is written by Jackson into the stream's one buffer and handed to
 * the sink as bytes.
 */
public final class ResponsesStreamEncoder implements StreamEncoder {

  private final ResponseOutput output = new ResponseOutput();
  private final Json.Utf8Buffer buffer = new Json.Utf8Buffer();
  private boolean created;
  private long sequence;
  private EventSink sink;
  private final ResponseOutput.Lifecycle lifecycle = new ResponseOutput.Lifecycle() {
    @Override
    public void itemAdded(Item item) throws IOException {
      send("response.output_item.added", g -> {
        g.writeNumberField("output_index", item.outputIndex);
        g.writeFieldName("item");
        ResponseOutput.writeItem(g, item);
      });
    }

    @Override
    public void partAdded(Item item) throws IOException {
      Part part = item.lastPart();
      if (item.kind == Kind.REASONING) {
        send("response.reasoning_summary_part.added", g -> summaryPart(g, item, part));
      } else {
        send("response.content_part.added", g -> contentPart(g, item, part));
      }
    }

    @Override
    public void partDone(Item item) throws IOException {
      Part part = item.lastPart();
      String text = part.text.toString();
      if (item.kind == Kind.REASONING) {
        send("response.reasoning_summary_text.done", g -> {
          located(g, item);
          g.writeNumberField("summary_index", item.parts.size() - 1);
          g.writeStringField("text", text);
        });
        send("response.reasoning_summary_part.done", g -> summaryPart(g, item, part));
        return;
      }
      if (part.refusal) {
        send("response.refusal.done", g -> {
          inPart(g, item);
          g.writeStringField("refusal", text);
        });
      } else {
        send("response.output_text.done", g -> {
          inPart(g, item);
          g.writeStringField("text", text);
          g.writeArrayFieldStart("logprobs");
          g.writeEndArray();
        });
      }
      send("response.content_part.done", g -> contentPart(g, item, part));
    }

    @Override
    public void itemDone(Item item) throws IOException {
      if (item.kind == Kind.FUNCTION_CALL) {
        send("response.function_call_arguments.done", g -> {
          located(g, item);
          g.writeStringField("name", item.name);
          g.writeStringField("arguments", item.arguments.toString());
        });
      }
      send("response.output_item.done", g -> {
        g.writeNumberField("output_index", item.outputIndex);
        g.writeFieldName("item");
        ResponseOutput.writeItem(g, item);
      });
    }
  };

  @Override
  public void encode(StreamEvent event, EventSink to) throws IOException {
    this.sink = to;
    switch (event) {
      case Relayed r -> { } // the passthrough's raw upstream event: only its own encoder writes it
      case Started s -> output.start(s);
      case UsageReport u -> output.usage(u.usage());
      case TextDelta t -> {
        create();
        Item item = output.textItem(t.channel(), lifecycle);
        item.lastPart().text.append(t.text());
        switch (t.channel()) {
          case REASONING -> send("response.reasoning_summary_text.delta", g -> {
            located(g, item);
            g.writeNumberField("summary_index", item.parts.size() - 1);
            g.writeStringField("delta", t.text());
          });
          case REFUSAL -> send("response.refusal.delta", g -> {
            inPart(g, item);
            g.writeStringField("delta", t.text());
          });
          case CONTENT -> send("response.output_text.delta", g -> {
            inPart(g, item);
            g.writeStringField("delta", t.text());
            g.writeArrayFieldStart("logprobs");
            g.writeEndArray();
          });
        }
      }
      case ToolCallDelta c -> {
        create();
        Item item = output.callItem(c, lifecycle);
        if (c.argumentsFragment().isEmpty()) return;
        item.arguments.append(c.argumentsFragment());
        send("response.function_call_arguments.delta", g -> {
          located(g, item);
          g.writeStringField("delta", c.argumentsFragment());
        });
      }
      case Finished f -> {
        create();
        output.finish(f.reason(), lifecycle);
        String type = output.status() == ResponseOutput.Status.COMPLETED ? "response.completed" : "response.incomplete";
        send(type, this::response);
      }
      case Failed f -> {
        create();
        output.fail(f.error());
        send("response.failed", this::response);
      }
    }
  }

  /**
   * {@code response.failed} as the event after {@code lastSequence}, in a stream whose other events
   * someone else wrote (the passthrough): the response Started and the usage told of, this failure.
   */
  void failAfter(long lastSequence, Failed failed, EventSink to) throws IOException {
    this.sink = to;
    created = true;
    sequence = lastSequence + 1;
    output.fail(failed.error());
    send("response.failed", this::response);
  }

  /** {@code response.created} and {@code response.in_progress}, once, before anything else. */
  private void create() throws IOException {
    if (created) return;
    created = true;
    send("response.created", this::response);
    send("response.in_progress", this::response);
  }

  private void response(JsonGenerator g) throws IOException {
    g.writeFieldName("response");
    output.writeResponse(g);
  }

  private static void located(JsonGenerator g, Item item) throws IOException {
    g.writeStringField("item_id", item.id);
    g.writeNumberField("output_index", item.outputIndex);
  }

  private static void inPart(JsonGenerator g, Item item) throws IOException {
    located(g, item);
    g.writeNumberField("content_index", item.parts.size() - 1);
  }

  private static void contentPart(JsonGenerator g, Item item, Part part) throws IOException {
    inPart(g, item);
    g.writeFieldName("part");
    ResponseOutput.writePart(g, item, part);
  }

  private static void summaryPart(JsonGenerator g, Item item, Part part) throws IOException {
    located(g, item);
    g.writeNumberField("summary_index", item.parts.size() - 1);
    g.writeFieldName("part");
    ResponseOutput.writePart(g, item, part);
  }

  /** One event: {@code {"type", "sequence_number", ...fields}}, as bytes from the stream's buffer. */
  private void send(String type, Json.JsonBody fields) throws IOException {
    long number = sequence++;
    Json.write(buffer, g -> {
      g.writeStartObject();
      g.writeStringField("type", type);
      g.writeNumberField("sequence_number", number);
      fields.write(g);
      g.writeEndObject();
    });
    sink.event(type, null, buffer);
  }
}
