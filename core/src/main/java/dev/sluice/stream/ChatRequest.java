package dev.sluice.stream;

import java.util.List;

/**
 * The canonical chat request, decoded from any dialect.
 *
 * @param model the model as the client named it ({@code provider/model}, a bare name or an alias)
 * @param maxTokens the cap on generated tokens, or null for the provider's default
 * @param stop stop sequences, possibly empty
 * @param user the end-user id the client passed, or null
 * @param stream whether the client wants the answer streamed
 * @param includeUsage whether an OpenAI-dialect client asked for the final usage chunk
 * @param responseFormatJson OpenAI's {@code response_format} as JSON text, or null
 * @param parallelToolCalls OpenAI's {@code parallel_tool_calls}, or null when unset
 * @param reasoningEffort OpenAI's reasoning effort ({@code low}, {@code medium}, {@code high}, ...), a hint
 *     passed on to providers that have one, or null when unset
 * @param passthroughBody the client's own Responses request body, when it is relayed to a Responses
 *     upstream as it is (only {@code model} and {@code stream} rewritten), or null: every other request is
 *     written from the canonical fields
 */
public record ChatRequest(
    String model,
    List<Message> messages,
    List<ToolDefinition> tools,
    ToolChoice toolChoice,
    Sampling sampling,
    Integer maxTokens,
    List<String> stop,
    String user,
    boolean stream,
    boolean includeUsage,
    String responseFormatJson,
    Boolean parallelToolCalls,
    String reasoningEffort,
    String passthroughBody) {

  public ChatRequest {
    if (model == null || model.isEmpty()) throw new IllegalArgumentException("model is required");
    messages = List.copyOf(messages);
    tools = tools == null ? List.of() : List.copyOf(tools);
    sampling = sampling == null ? Sampling.DEFAULT : sampling;
    stop = stop == null ? List.of() : List.copyOf(stop);
  }

  /** A request written from its canonical fields. */
  public ChatRequest(String model, List<Message> messages, List<ToolDefinition> tools, ToolChoice toolChoice,
      Sampling sampling, Integer maxTokens, List<String> stop, String user, boolean stream, boolean includeUsage,
      String responseFormatJson, Boolean parallelToolCalls, String reasoningEffort) {
    this(model, messages, tools, toolChoice, sampling, maxTokens, stop, user, stream, includeUsage, responseFormatJson,
        parallelToolCalls, reasoningEffort, null);
  }

  /** A request without a reasoning effort. */
  public ChatRequest(String model, List<Message> messages, List<ToolDefinition> tools, ToolChoice toolChoice,
      Sampling sampling, Integer maxTokens, List<String> stop, String user, boolean stream, boolean includeUsage,
      String responseFormatJson, Boolean parallelToolCalls) {
    this(model, messages, tools, toolChoice, sampling, maxTokens, stop, user, stream, includeUsage, responseFormatJson,
        parallelToolCalls, null);
  }

  /** A streaming request for {@code model} with these messages and nothing else set. */
  public static ChatRequest of(String model, List<Message> messages) {
    return new ChatRequest(model, messages, List.of(), null, Sampling.DEFAULT, null, List.of(), null,
        true, false, null, null);
  }

  /** The same request addressed to another model name (routing strips the provider prefix). */
  public ChatRequest withModel(String newModel) {
    return new ChatRequest(newModel, messages, tools, toolChoice, sampling, maxTokens, stop, user, stream,
        includeUsage, responseFormatJson, parallelToolCalls, reasoningEffort, passthroughBody);
  }

  /** The same request, to be relayed to a Responses upstream as the client's own {@code body}. */
  public ChatRequest passedThrough(String body) {
    return new ChatRequest(model, messages, tools, toolChoice, sampling, maxTokens, stop, user, stream,
        includeUsage, responseFormatJson, parallelToolCalls, reasoningEffort, body);
  }
}
