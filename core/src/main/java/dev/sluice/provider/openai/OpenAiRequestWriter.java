package dev.sluice.provider.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.provider.RequestJson;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ContentPart;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Sampling;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolChoice;
import dev.sluice.stream.ToolDefinition;
import java.io.IOException;

/**
 * Writes the Chat Completions request body for a canonical request, with Jackson's streaming
 * generator. The body always asks for a stream with the usage chunk ({@code "stream": true,
 * "stream_options": {"include_usage": true}}), whatever the client asked: the gateway streams every
 * upstream call and needs the usage; the client's dialect decides what the client sees.
 */
final class OpenAiRequestWriter {

  private OpenAiRequestWriter() {}

  /**
   * The UTF-8 JSON body.
   *
   * @param maxTokensParameter {@code max_tokens} or {@code max_completion_tokens}
   * @throws GatewayException if a raw JSON field of the request (tool parameters, response format) is
   *     not one JSON value
   */
  static byte[] write(ChatRequest request, String maxTokensParameter) throws GatewayException {
    return RequestJson.write(g -> {
      g.writeStartObject();
      g.writeStringField("model", request.model());
      writeMessages(g, request);
      if (!request.tools().isEmpty()) {
        writeTools(g, request);
        // OpenAI rejects tool_choice and parallel_tool_calls when no tools are sent.
        if (request.toolChoice() != null) writeToolChoice(g, request.toolChoice());
        if (request.parallelToolCalls() != null) g.writeBooleanField("parallel_tool_calls", request.parallelToolCalls());
      }
      Sampling s = request.sampling();
      if (s.temperature() != null) g.writeNumberField("temperature", s.temperature());
      if (s.topP() != null) g.writeNumberField("top_p", s.topP());
      if (s.seed() != null) g.writeNumberField("seed", s.seed());
      if (s.presencePenalty() != null) g.writeNumberField("presence_penalty", s.presencePenalty());
      if (s.frequencyPenalty() != null) g.writeNumberField("frequency_penalty", s.frequencyPenalty());
      if (request.maxTokens() != null) g.writeNumberField(maxTokensParameter, request.maxTokens());
      if (!request.stop().isEmpty()) {
        g.writeArrayFieldStart("stop");
        for (String stop : request.stop()) g.writeString(stop);
        g.writeEndArray();
      }
      if (request.user() != null) g.writeStringField("user", request.user());
      if (request.reasoningEffort() != null) g.writeStringField("reasoning_effort", request.reasoningEffort());
      if (request.responseFormatJson() != null) {
        g.writeFieldName("response_format");
        copyRaw(g, request.responseFormatJson(), "response_format");
      }
      g.writeBooleanField("stream", true);
      g.writeObjectFieldStart("stream_options");
      g.writeBooleanField("include_usage", true);
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  private static void writeMessages(JsonGenerator g, ChatRequest request) throws IOException {
    g.writeArrayFieldStart("messages");
    for (Message m : request.messages()) {
      g.writeStartObject();
      g.writeStringField("role", m.role().wireName());
      writeContent(g, m);
      if (m.name() != null) g.writeStringField("name", m.name());
      if (m.role() == Role.TOOL && m.toolCallId() != null) g.writeStringField("tool_call_id", m.toolCallId());
      if (!m.toolCalls().isEmpty()) {
        g.writeArrayFieldStart("tool_calls");
        for (ToolCall call : m.toolCalls()) {
          g.writeStartObject();
          g.writeStringField("id", call.id());
          g.writeStringField("type", "function");
          g.writeObjectFieldStart("function");
          g.writeStringField("name", call.name());
          // Arguments are a JSON text inside a string, as OpenAI sends and expects them.
          g.writeStringField("arguments", call.argumentsJson());
          g.writeEndObject();
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /**
   * Text-only content goes as one string, the form every compatible server reads (Ollama turns each
   * part of an array into a separate message); content with images goes as an array of parts. An
   * assistant turn that only calls tools has {@code "content": null}, as OpenAI writes it.
   */
  private static void writeContent(JsonGenerator g, Message m) throws IOException {
    boolean hasImage = false;
    for (ContentPart part : m.content()) {
      if (part instanceof ContentPart.Image) {
        hasImage = true;
        break;
      }
    }
    if (!hasImage) {
      if (m.content().isEmpty() && !m.toolCalls().isEmpty()) {
        g.writeNullField("content");
      } else {
        g.writeStringField("content", m.text());
      }
      return;
    }
    g.writeArrayFieldStart("content");
    for (ContentPart part : m.content()) {
      switch (part) {
        case ContentPart.Text t -> RequestJson.writeTextPart(g, t.text());
        case ContentPart.Image image -> {
          g.writeStartObject();
          g.writeStringField("type", "image_url");
          g.writeObjectFieldStart("image_url");
          g.writeStringField("url", image.url());
          if (image.detail() != null) g.writeStringField("detail", image.detail());
          g.writeEndObject();
          g.writeEndObject();
        }
      }
    }
    g.writeEndArray();
  }

  private static void writeTools(JsonGenerator g, ChatRequest request) throws IOException, GatewayException {
    g.writeArrayFieldStart("tools");
    for (int i = 0; i < request.tools().size(); i++) {
      ToolDefinition tool = request.tools().get(i);
      g.writeStartObject();
      g.writeStringField("type", "function");
      g.writeObjectFieldStart("function");
      g.writeStringField("name", tool.name());
      if (tool.description() != null) g.writeStringField("description", tool.description());
      if (tool.parametersJson() != null) {
        g.writeFieldName("parameters");
        copyRaw(g, tool.parametersJson(), "tools[" + i + "].function.parameters");
      }
      if (tool.strict() != null) g.writeBooleanField("strict", tool.strict());
      g.writeEndObject();
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void writeToolChoice(JsonGenerator g, ToolChoice choice) throws IOException {
    switch (choice.mode()) {
      case AUTO -> g.writeStringField("tool_choice", "auto");
      case NONE -> g.writeStringField("tool_choice", "none");
      case REQUIRED -> g.writeStringField("tool_choice", "required");
      case FUNCTION -> {
        g.writeObjectFieldStart("tool_choice");
        g.writeStringField("type", "function");
        g.writeObjectFieldStart("function");
        g.writeStringField("name", choice.functionName());
        g.writeEndObject();
        g.writeEndObject();
      }
    }
  }

  /** Copies one JSON value of any kind, which OpenAI passes on as it is. */
  private static void copyRaw(JsonGenerator g, String json, String param) throws IOException, GatewayException {
    RequestJson.copyValue(g, json, param, first -> first == null ? param + " is empty" : null);
  }
}
