package dev.sluice.usage;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.Message;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolDefinition;

/**
 * Counts tokens when a provider reports none (an aborted stream, a server without usage).
 *
 * <p>Approximation: one token per four UTF-16 characters, rounded up, plus four tokens of framing
 * per message — the rule of thumb OpenAI documents for English text. Rows counted this way are
 * marked {@code estimated}.
 */
public final class TokenEstimator {
  private static final int CHARS_PER_TOKEN = 4;
  private static final int TOKENS_PER_MESSAGE = 4;

  private TokenEstimator() {}

  public static long text(CharSequence text) {
    return (text.length() + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
  }

  public static long prompt(ChatRequest request) {
    long tokens = 0;
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
