package dev.sluice.provider.responses;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import dev.sluice.provider.RequestJson;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ContentPart;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Sampling;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolChoice;
import dev.sluice.stream.ToolDefinition;
import java.io.IOException;

/**
 * Writes the Responses request body for a canonical request: every turn as an input item (a tool call
 * as a {@code function_call} item, a tool turn as a {@code function_call_output}), the tools in
 * Responses' flat shape, the response format as {@code text.format}, {@code "stream": true} and
 * {@code "store": false}: Sluice streams every call and keeps no state at the upstream. A passthrough
 * request ({@link ChatRequest#passthroughBody}) is the client's own body instead, with only its
 * {@code model} and {@code stream} rewritten.
 *
 * <p>Refused with a 400 naming the field, because the Responses API has no counterpart and dropping them
 * would change the answer: {@code stop}, {@code seed}, {@code presence_penalty}, {@code frequency_penalty}.
 */
final class ResponsesRequestWriter {

  private ResponsesRequestWriter() {}

  static byte[] write(ChatRequest request) throws GatewayException {
    if (request.passthroughBody() != null) return passThrough(request);
    refuseWhatResponsesCannotSay(request);
    return RequestJson.write(g -> {
      g.writeStartObject();
      g.writeStringField("model", request.model());
      writeInput(g, request);
      if (!request.tools().isEmpty()) {
        writeTools(g, request);
        if (request.toolChoice() != null) writeToolChoice(g, request.toolChoice());
        if (request.parallelToolCalls() != null) g.writeBooleanField("parallel_tool_calls", request.parallelToolCalls());
      }
      Sampling s = request.sampling();
      if (s.temperature() != null) g.writeNumberField("temperature", s.temperature());
      if (s.topP() != null) g.writeNumberField("top_p", s.topP());
      if (request.maxTokens() != null) g.writeNumberField("max_output_tokens", request.maxTokens());
      if (request.user() != null) g.writeStringField("user", request.user());
      if (request.responseFormatJson() != null) writeTextFormat(g, request.responseFormatJson());
      if (request.reasoningEffort() != null) {
        g.writeObjectFieldStart("reasoning");
        g.writeStringField("effort", request.reasoningEffort());
        g.writeEndObject();
      }
      g.writeBooleanField("stream", true);
      g.writeBooleanField("store", false);
      g.writeEndObject();
    });
  }

  /**
   * The client's own body, every field as it sent it, but {@code model} (the upstream's name for it) and
   * {@code stream} (always true: Sluice reads every call as a stream).
   */
  private static byte[] passThrough(ChatRequest request) throws GatewayException {
    ObjectNode body;
    try {
      body = (ObjectNode) Json.MAPPER.readTree(request.passthroughBody());
    } catch (JsonProcessingException | ClassCastException e) {
      throw new GatewayException(GatewayError.invalid(null, "the request body is not a JSON object"), e);
    }
    body.put("model", request.model());
    body.put("stream", true);
    try {
      return Json.MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree that cannot be written", e);
    }
  }

  private static void refuseWhatResponsesCannotSay(ChatRequest request) throws GatewayException {
    Sampling s = request.sampling();
    String field = !request.stop().isEmpty() ? "stop" : s.seed() != null ? "seed"
        : s.presencePenalty() != null ? "presence_penalty" : s.frequencyPenalty() != null ? "frequency_penalty" : null;
    if (field != null) {
      throw new GatewayException(GatewayError.invalid(field, "'" + field
          + "' is not supported by this model's provider, which speaks the OpenAI Responses API (it has no '"
          + field + "')."));
    }
  }

  private static void writeInput(JsonGenerator g, ChatRequest request) throws IOException {
    g.writeArrayFieldStart("input");
    for (Message m : request.messages()) {
      if (m.role() == Role.TOOL) {
        g.writeStartObject();
        g.writeStringField("type", "function_call_output");
        g.writeStringField("call_id", m.toolCallId() == null ? "" : m.toolCallId());
        g.writeStringField("output", m.text());
        g.writeEndObject();
        continue;
      }
      if (!m.content().isEmpty() || m.toolCalls().isEmpty()) writeMessage(g, m);
      for (ToolCall call : m.toolCalls()) {
        g.writeStartObject();
        g.writeStringField("type", "function_call");
        g.writeStringField("call_id", call.id());
        g.writeStringField("name", call.name());
        g.writeStringField("arguments", call.argumentsJson());
        g.writeEndObject();
      }
    }
    g.writeEndArray();
  }

  private static void writeMessage(JsonGenerator g, Message m) throws IOException {
    boolean assistant = m.role() == Role.ASSISTANT;
    g.writeStartObject();
    g.writeStringField("type", "message");
    g.writeStringField("role", m.role().wireName());
    g.writeArrayFieldStart("content");
    for (ContentPart part : m.content()) {
      g.writeStartObject();
      switch (part) {
        case ContentPart.Text t -> {
          // An assistant's earlier answer is output text; everything said to the model is input text.
          g.writeStringField("type", assistant ? "output_text" : "input_text");
          g.writeStringField("text", t.text());
        }
        case ContentPart.Image image -> {
          g.writeStringField("type", "input_image");
          g.writeStringField("image_url", image.url());
          g.writeStringField("detail", image.detail() == null ? "auto" : image.detail());
        }
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeTools(JsonGenerator g, ChatRequest request) throws IOException, GatewayException {
    g.writeArrayFieldStart("tools");
    for (int i = 0; i < request.tools().size(); i++) {
      ToolDefinition tool = request.tools().get(i);
      g.writeStartObject();
      g.writeStringField("type", "function");
      g.writeStringField("name", tool.name());
      if (tool.description() != null) g.writeStringField("description", tool.description());
      if (tool.parametersJson() != null) {
        String param = "tools[" + i + "].parameters";
        g.writeFieldName("parameters");
        RequestJson.copyValue(g, tool.parametersJson(), param,
            first -> first == JsonToken.START_OBJECT ? null : param + " must be a JSON object");
      }
      // Unset stays unset: the upstream's default applies, as for every other unset field.
      if (tool.strict() != null) g.writeBooleanField("strict", tool.strict());
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
        g.writeStringField("name", choice.functionName());
        g.writeEndObject();
      }
    }
  }

  /**
   * The canonical response format is Chat Completions' {@code response_format}; Responses says the same
   * in {@code text.format}, with the {@code json_schema} members one level up.
   */
  private static void writeTextFormat(JsonGenerator g, String responseFormatJson) throws IOException, GatewayException {
    JsonNode format;
    try {
      format = Json.MAPPER.readTree(responseFormatJson);
    } catch (JsonProcessingException e) {
      throw new GatewayException(GatewayError.invalid("response_format", "response_format is not valid JSON"), e);
    }
    if (format == null || !format.isObject()) return;
    g.writeObjectFieldStart("text");
    g.writeObjectFieldStart("format");
    String type = format.path("type").asText("text");
    g.writeStringField("type", type);
    JsonNode schema = format.get("json_schema");
    if (type.equals("json_schema") && schema != null && schema.isObject()) {
      var fields = schema.properties().iterator();
      while (fields.hasNext()) {
        var field = fields.next();
        g.writeFieldName(field.getKey());
        RequestJson.copyValue(g, field.getValue().toString(), "response_format", first -> null);
      }
    }
    g.writeEndObject();
    g.writeEndObject();
  }
}
