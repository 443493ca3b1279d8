package dev.sluice.provider.sim;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import java.util.List;
import java.util.SplittableRandom;

/** What each simulated model says: a pure function of the request, so tests can predict it. */
final class SimScripts {
  private SimScripts() {}

  private static final String[] WORDS = {
    "the", "stream", "flows", "through", "a", "sluice", "gate", "and", "every", "token", "arrives",
    "in", "order", "without", "loss", "while", "the", "client", "reads", "at", "its", "own", "pace",
    "water", "finds", "level", "quietly", "under", "bridges", "past", "mills", "towards", "sea",
    "gateway", "relays", "bytes", "as", "they", "come", "nothing", "is", "dropped", "or", "doubled",
  };

  /** Words the default model says for this request: 40 to 119 of them, seeded by the conversation. */
  static String chat(ChatRequest request) {
    var random = new SplittableRandom(seed(request.messages()));
    int words = 40 + random.nextInt(80);
    var sb = new StringBuilder();
    boolean sentenceStart = true;
    for (int i = 0; i < words; i++) {
      String word = WORDS[random.nextInt(WORDS.length)];
      if (i > 0) sb.append(' ');
      sb.append(sentenceStart ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
      sentenceStart = random.nextInt(9) == 0 || i == words - 1;
      if (sentenceStart) sb.append('.');
    }
    return sb.toString();
  }

  /** The last user message, word for word. */
  static String echo(ChatRequest request) {
    List<Message> messages = request.messages();
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).role() == Role.USER) return messages.get(i).text();
    }
    return "";
  }

  private static long seed(List<Message> messages) {
    long h = 1125899906842597L;
    for (Message m : messages) {
      h = 31 * h + m.role().ordinal();
      String text = m.text();
      for (int i = 0; i < text.length(); i++) h = 31 * h + text.charAt(i);
    }
    return h;
  }
}
