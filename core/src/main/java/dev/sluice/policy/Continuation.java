package dev.sluice.policy;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import java.util.ArrayList;

/**
 * Mid-stream failover for text answers: how the next attempt is asked to continue, and how a
 * continuation that repeats what the client already has is trimmed.
 *
 * <p>The request is the original conversation, then the partial answer as an assistant message, then
 * a user message asking to continue from exactly where the text stopped. This works on every
 * Chat Completions upstream; it is an instruction, not a guarantee: a model may rephrase, restart or
 * repeat the tail. {@link #repeated} finds the repetitions that can be detected exactly (the answer
 * restarted from its beginning, or an overlap of at least {@link #MIN_OVERLAP} characters with its
 * end), which the stream drops; a rephrased restart cannot be detected and would reach the client.
 * Assistant prefill (the provider continuing the partial message itself) would be exact, but OpenAI's
 * Chat Completions does not offer it; an Anthropic provider could use it.
 */
final class Continuation {
  /** Shorter overlaps are as likely to be legitimate text ("the", a space) as a repetition. */
  static final int MIN_OVERLAP = 12;
  /** How much of a continuation is held back to look for a repetition before it is relayed. */
  static final int LOOKAHEAD_CHARS = 256;

  static final String INSTRUCTION = "Your previous reply was cut off; it ends exactly where the assistant message"
      + " above ends. Continue it from that exact point: do not repeat any of it, do not comment, add no preface.";

  private Continuation() {}

  /** {@code original} with the partial answer and the instruction appended. */
  static ChatRequest request(ChatRequest original, String sent) {
    var messages = new ArrayList<>(original.messages());
    messages.add(Message.text(Role.ASSISTANT, sent));
    messages.add(Message.text(Role.USER, INSTRUCTION));
    return new ChatRequest(original.model(), messages, original.tools(), original.toolChoice(), original.sampling(),
        original.maxTokens(), original.stop(), original.user(), original.stream(), original.includeUsage(),
        original.responseFormatJson(), original.parallelToolCalls(), original.reasoningEffort());
  }

  /** How many characters to hold back from a continuation before deciding. */
  static int lookahead(CharSequence sent) {
    return Math.min(sent.length(), LOOKAHEAD_CHARS);
  }

  /** The part of {@code continuation}'s beginning that repeats {@code sent}, to drop: 0 if none is detected. */
  static int repeated(String sent, String continuation) {
    if (continuation.startsWith(sent)) return sent.length();
    // A restart that stopped short of the first answer's end: all of it is a repetition.
    if (continuation.length() >= MIN_OVERLAP && sent.startsWith(continuation)) return continuation.length();
    int max = Math.min(sent.length(), continuation.length());
    for (int k = max; k >= MIN_OVERLAP; k--) {
      if (sent.regionMatches(sent.length() - k, continuation, 0, k)) return k;
    }
    return 0;
  }
}
