package dev.sluice.dialect.responses;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * A Responses {@code Response} as it grows from canonical events: its output items in order, their
 * text, its status, usage and error. The streaming encoder and the whole-answer builder share it, so the
 * items a client streams are the items it would have got whole; the encoder listens to the item
 * {@link Lifecycle} to send its events, the builder ignores it.
 *
 * <p>Grouping: reasoning goes in a {@code reasoning} item (one summary part), text and refusals in a
 * {@code message} item (an {@code output_text} or {@code refusal} part, a new part whenever the channel
 * changes), each tool call in a {@code function_call} item. An item ends when one of another kind (or
 * another call) begins, so items come in the order the upstream produced them. A fragment for a call
 * whose item has ended is added to that item, whose final arguments then hold every byte; the canonical
 * model allows it, no upstream sends it (OpenAI streams calls one after the other).
 */
final class ResponseOutput {

  enum Kind { REASONING, MESSAGE, FUNCTION_CALL }

  enum Status {
    IN_PROGRESS("in_progress"), COMPLETED("completed"), INCOMPLETE("incomplete"), FAILED("failed");

    final String wire;

    Status(String wire) {
      this.wire = wire;
    }
  }

  /** One part of an item: a message's text or refusal, or a reasoning item's summary. */
  static final class Part {
    final boolean refusal;
    final StringBuilder text = new StringBuilder();

    Part(boolean refusal) {
      this.refusal = refusal;
    }
  }

  /** One output item. */
  static final class Item {
    final Kind kind;
    final String id;
    final int outputIndex;
    final List<Part> parts = new ArrayList<>(1);
    final StringBuilder arguments = new StringBuilder();
    String callId;
    String name;
    Status status = Status.IN_PROGRESS;

    Item(Kind kind, String id, int outputIndex) {
      this.kind = kind;
      this.id = id;
      this.outputIndex = outputIndex;
    }

    Part lastPart() {
      return parts.getLast();
    }
  }

  /** What happens to items and parts, for an encoder to announce. */
  interface Lifecycle {
    Lifecycle SILENT = new Lifecycle() {};

    default void itemAdded(Item item) throws IOException {}

    default void partAdded(Item item) throws IOException {}

    default void partDone(Item item) throws IOException {}

    default void itemDone(Item item) throws IOException {}
  }

  private String responseId = "resp_sluice";
  private String model = "unknown";
  private long createdAt;
  private final List<Item> items = new ArrayList<>();
  private final HashMap<Integer, Item> calls = new HashMap<>();
  private Item current;
  private Usage usage;
  private Status status = Status.IN_PROGRESS;
  private String incompleteReason;
  private GatewayError error;

  /** Takes the response's id (made a {@code resp_} id if it is not one), model and creation time. */
  void start(Started s) {
    responseId = s.id().startsWith("resp_") ? s.id() : "resp_" + s.id();
    model = s.model();
    createdAt = s.createdEpochSeconds();
  }

  String responseId() {
    return responseId;
  }

  void usage(Usage latest) {
    usage = latest;
  }

  /** The item (and part) that text on {@code channel} goes to, opening them as needed. */
  Item textItem(TextDelta.Channel channel, Lifecycle events) throws IOException {
    if (channel == TextDelta.Channel.REASONING) {
      if (current == null || current.kind != Kind.REASONING) {
        Item item = open(Kind.REASONING, "rs", events);
        item.parts.add(new Part(false));
        events.partAdded(item);
      }
      return current;
    }
    if (current == null || current.kind != Kind.MESSAGE) open(Kind.MESSAGE, "msg", events);
    boolean refusal = channel == TextDelta.Channel.REFUSAL;
    if (current.parts.isEmpty() || current.lastPart().refusal != refusal) {
      if (!current.parts.isEmpty()) events.partDone(current);
      current.parts.add(new Part(refusal));
      events.partAdded(current);
    }
    return current;
  }

  /** The item of the call {@code delta} belongs to, opening it for the call's first fragment. */
  Item callItem(ToolCallDelta delta, Lifecycle events) throws IOException {
    Item item = calls.get(delta.index());
    if (item == null) {
      item = new Item(Kind.FUNCTION_CALL, itemId("fc", items.size()), items.size());
      // Some OpenAI-compatible servers send no call id; a client needs one to answer the call.
      item.callId = delta.id() != null ? delta.id() : "call_sluice_" + delta.index();
      item.name = delta.name() != null ? delta.name() : "";
      calls.put(delta.index(), item);
      add(item, events);
    } else if (delta.name() != null && item.name.isEmpty()) {
      item.name = delta.name();
    }
    return item;
  }

  /** Ends the answer: the open item closes, completed or (cut by a limit or a filter) incomplete. */
  void finish(FinishReason reason, Lifecycle events) throws IOException {
    switch (reason) {
      case LENGTH -> incompleteReason = "max_output_tokens";
      case CONTENT_FILTER -> incompleteReason = "content_filter";
      case STOP, TOOL_CALLS -> incompleteReason = null;
    }
    status = incompleteReason == null ? Status.COMPLETED : Status.INCOMPLETE;
    close(events);
  }

  /** Ends the answer as failed; open items stay as they were, unfinished. */
  void fail(GatewayError failure) {
    status = Status.FAILED;
    error = failure;
  }

  Status status() {
    return status;
  }

  private Item open(Kind kind, String prefix, Lifecycle events) throws IOException {
    Item item = new Item(kind, itemId(prefix, items.size()), items.size());
    add(item, events);
    return item;
  }

  private void add(Item item, Lifecycle events) throws IOException {
    close(events);
    items.add(item);
    current = item;
    events.itemAdded(item);
  }

  private void close(Lifecycle events) throws IOException {
    if (current == null) return;
    Item item = current;
    current = null;
    item.status = status == Status.INCOMPLETE ? Status.INCOMPLETE : Status.COMPLETED;
    if (!item.parts.isEmpty()) events.partDone(item);
    events.itemDone(item);
  }

  private String itemId(String prefix, int index) {
    return prefix + "_" + responseId.substring("resp_".length()) + "_" + index;
  }

  /** The whole {@code Response} object, as it stands. */
  void writeResponse(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", responseId);
    g.writeStringField("object", "response");
    g.writeNumberField("created_at", createdAt);
    g.writeStringField("status", status.wire);
    if (error == null) {
      g.writeNullField("error");
    } else {
      g.writeObjectFieldStart("error");
      g.writeStringField("code", errorCode(error));
      g.writeStringField("message", error.message());
      g.writeEndObject();
    }
    if (incompleteReason == null) {
      g.writeNullField("incomplete_details");
    } else {
      g.writeObjectFieldStart("incomplete_details");
      g.writeStringField("reason", incompleteReason);
      g.writeEndObject();
    }
    g.writeStringField("model", model);
    g.writeArrayFieldStart("output");
    for (Item item : items) writeItem(g, item);
    g.writeEndArray();
    // Unknown usage is null while in progress and on a failure, as OpenAI writes it; a finished answer
    // always reports counts (zeros when the upstream gave none), as the Chat Completions encoder does.
    g.writeFieldName("usage");
    if (usage == null && (status == Status.IN_PROGRESS || status == Status.FAILED)) {
      g.writeNull();
    } else {
      writeUsage(g, usage == null ? Usage.NONE : usage);
    }
    g.writeEndObject();
  }

  /**
   * The {@code ResponseErrorCode} of a failure: SDKs type the code as that closed set, so Sluice's own
   * codes do not go here; the message says what happened.
   */
  private static String errorCode(GatewayError error) {
    return error.type() == ErrorType.RATE_LIMITED ? "rate_limit_exceeded" : "server_error";
  }

  static void writeItem(JsonGenerator g, Item item) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", item.id);
    switch (item.kind) {
      case REASONING -> {
        g.writeStringField("type", "reasoning");
        g.writeArrayFieldStart("summary");
        for (Part part : item.parts) writePart(g, item, part);
        g.writeEndArray();
        g.writeStringField("status", item.status.wire);
      }
      case MESSAGE -> {
        g.writeStringField("type", "message");
        g.writeStringField("status", item.status.wire);
        g.writeStringField("role", "assistant");
        g.writeArrayFieldStart("content");
        for (Part part : item.parts) writePart(g, item, part);
        g.writeEndArray();
      }
      case FUNCTION_CALL -> {
        g.writeStringField("type", "function_call");
        g.writeStringField("status", item.status.wire);
        g.writeStringField("call_id", item.callId);
        g.writeStringField("name", item.name);
        g.writeStringField("arguments", item.arguments.toString());
      }
    }
    g.writeEndObject();
  }

  /** A part as it stands: {@code summary_text}, {@code output_text} or {@code refusal}. */
  static void writePart(JsonGenerator g, Item item, Part part) throws IOException {
    g.writeStartObject();
    if (item.kind == Kind.REASONING) {
      g.writeStringField("type", "summary_text");
      g.writeStringField("text", part.text.toString());
    } else if (part.refusal) {
      g.writeStringField("type", "refusal");
      g.writeStringField("refusal", part.text.toString());
    } else {
      g.writeStringField("type", "output_text");
      g.writeStringField("text", part.text.toString());
      g.writeArrayFieldStart("annotations");
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  /** Responses' {@code usage}, its details included so cached and reasoning tokens survive translation. */
  static void writeUsage(JsonGenerator g, Usage usage) throws IOException {
    g.writeStartObject();
    g.writeNumberField("input_tokens", usage.promptTokens());
    g.writeObjectFieldStart("input_tokens_details");
    g.writeNumberField("cached_tokens", usage.cachedTokens());
    g.writeEndObject();
    g.writeNumberField("output_tokens", usage.completionTokens());
    g.writeObjectFieldStart("output_tokens_details");
    g.writeNumberField("reasoning_tokens", usage.reasoningTokens());
    g.writeEndObject();
    g.writeNumberField("total_tokens", usage.totalTokens());
    g.writeEndObject();
  }
}
