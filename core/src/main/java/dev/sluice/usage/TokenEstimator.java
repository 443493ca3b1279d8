package dev.sluice.usage;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.Message;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolDefinition;

/**
 * Estimates a request's prompt tokens when the provider reports none (an aborted stream, a server
 * without usage), and cheaply bounds them before a request starts (budget reservations).
 *
 * <p>{@link #prompt} tokenizes each message with {@link TokenCounter} and adds OpenAI's documented
 * framing of three tokens per message plus three to prime the reply. {@link #quick} is characters / 4
 * rounded up per message, plus the same framing: no tokenizer on the path to the first token, and a
 * reservation only needs the right order of magnitude (it is settled with the real count).
 */
public final class TokenEstimator {
  private static final int CHARS_PER_TOKEN = 4;
  private static final int TOKENS_PER_MESSAGE = 3;
  private static final int REPLY_PRIMING = 3;

  private TokenEstimator() {}

  /** Characters / 4, rounded up. */
  public static long text(CharSequence text) {
    return (text.length() + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
  }

  /** The prompt's tokens counted with {@code model}'s tokenizer (see {@link TokenCounter}). */
  public static long prompt(ChatRequest request, String model) {
    long tokens = REPLY_PRIMING;
    for (Message m : request.messages()) {
      tokens += TOKENS_PER_MESSAGE + TokenCounter.count(model, m.text());
      for (ToolCall call : m.toolCalls()) {
        tokens += TokenCounter.count(model, call.name()) + TokenCounter.count(model, call.argumentsJson());
      }
    }
    for (ToolDefinition tool : request.tools()) {
      tokens += TokenCounter.count(model, tool.name()) + TokenCounter.count(model, tool.description())
          + TokenCounter.count(model, tool.parametersJson());
    }
    return tokens;
  }

  /** A cheap estimate of the prompt's tokens, without a tokenizer. */
  public static long quick(ChatRequest request) {
    long tokens = REPLY_PRIMING;
    for (Message m : request.messages()) {
      tokens += TOKENS_PER_MESSAGE + text(m.text());
      for (ToolCall call : m.toolCalls()) tokens += text(call.name()) + text(call.argumentsJson());
    }
    for (ToolDefinition tool : request.tools()) {
      tokens += text(tool.name()) + text(tool.description() == null ? "" : tool.description())
          + text(tool.parametersJson() == null ? "" : tool.parametersJson());
    }
    return tokens;
  }
}
