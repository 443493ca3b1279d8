package dev.sluice.dialect.openai;

import dev.sluice.json.Json;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.Relayed;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects a canonical stream into one OpenAI {@code chat.completion} object, for clients that
 * asked for {@code stream: false}. Sluice streams from the upstream either way, so a client that
 * leaves mid-answer still cancels the upstream at once.
 */
public final class OpenAiCompletionBuilder {
  private String id;
  private String model;
  private long created;
  private final StringBuilder content = new StringBuilder();
  private final StringBuilder refusal = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private final List<CallBuilder> calls = new ArrayList<>();
  private Usage usage = Usage.NONE;
  private FinishReason finishReason;

  private static final class CallBuilder {
    final int index;
    String id;
    String name;
    final StringBuilder arguments = new StringBuilder();

    CallBuilder(int index) {
      this.index = index;
    }
  }

  /** Takes one non-failure event. */
  public void add(StreamEvent event) {
    switch (event) {
      case Relayed r -> { } // the passthrough's raw upstream event: only its own encoder writes it
      case Started s -> {
        id = s.id();
        model = s.model();
        created = s.createdEpochSeconds();
      }
      case TextDelta t -> (switch (t.channel()) {
        case CONTENT -> content;
        case REFUSAL -> refusal;
        case REASONING -> reasoning;
      }).append(t.text());
      case ToolCallDelta c -> {
        CallBuilder call = calls.stream().filter(b -> b.index == c.index()).findFirst().orElse(null);
        if (call == null) {
          call = new CallBuilder(c.index());
          calls.add(call);
        }
        if (c.id() != null) call.id = c.id();
        if (c.name() != null) call.name = c.name();
        call.arguments.append(c.argumentsFragment());
      }
      case UsageReport u -> usage = u.usage();
      case Finished f -> finishReason = f.reason();
      default -> throw new IllegalArgumentException("a completion is built from a successful stream only: " + event);
    }
  }

  /** The {@code chat.completion} JSON. */
  public String build() {
    return Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("id", id);
      g.writeStringField("object", "chat.completion");
      g.writeNumberField("created", created);
      g.writeStringField("model", model);
      g.writeArrayFieldStart("choices");
      g.writeStartObject();
      g.writeNumberField("index", 0);
      g.writeObjectFieldStart("message");
      g.writeStringField("role", "assistant");
      boolean onlyCalls = content.isEmpty() && !calls.isEmpty();
      if (onlyCalls || (content.isEmpty() && !refusal.isEmpty())) g.writeNullField("content");
      else g.writeStringField("content", content.toString());
      if (refusal.isEmpty()) g.writeNullField("refusal");
      else g.writeStringField("refusal", refusal.toString());
      if (!reasoning.isEmpty()) g.writeStringField("reasoning_content", reasoning.toString());
      if (!calls.isEmpty()) {
        g.writeArrayFieldStart("tool_calls");
        for (CallBuilder call : calls) {
          g.writeStartObject();
          g.writeStringField("id", call.id);
          g.writeStringField("type", "function");
          g.writeObjectFieldStart("function");
          g.writeStringField("name", call.name);
          g.writeStringField("arguments", call.arguments.toString());
          g.writeEndObject();
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeNullField("logprobs");
      g.writeStringField("finish_reason", (finishReason == null ? FinishReason.STOP : finishReason).openAi());
      g.writeEndObject();
      g.writeEndArray();
      g.writeFieldName("usage");
      OpenAiUsage.write(g, usage);
      g.writeEndObject();
    });
  }
}
