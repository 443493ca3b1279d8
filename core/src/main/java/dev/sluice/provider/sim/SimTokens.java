package dev.sluice.provider.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The simulated model's tokenizer: a token is a run of non-space characters with the spaces that
 * precede it. Sim's usage is exact by construction because it counts with the same rule it speaks in.
 */
final class SimTokens {
  private SimTokens() {}

  static List<String> split(String text) {
    List<String> tokens = new ArrayList<>();
    int start = 0;
    int i = 0;
    int n = text.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(text.charAt(i))) i++;
      while (i < n && !Character.isWhitespace(text.charAt(i))) i++;
      if (i > start) tokens.add(text.substring(start, i));
      start = i;
    }
    return tokens;
  }

  static int count(String text) {
    int count = 0;
    int i = 0;
    int n = text.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(text.charAt(i))) i++;
      if (i == n) break;
      while (i < n && !Character.isWhitespace(text.charAt(i))) i++;
      count++;
    }
    return count;
  }
}
