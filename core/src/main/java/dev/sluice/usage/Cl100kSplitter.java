package dev.sluice.usage;

import static dev.sluice.usage.CharClass.LETTER;
import static dev.sluice.usage.CharClass.NEWLINE;
import static dev.sluice.usage.CharClass.NUMBER;
import static dev.sluice.usage.CharClass.codePointAt;

/** {@code cl100k_base}'s pieces, as tiktoken's expression ({@link #EXPRESSION}) finds them. */
final class Cl100kSplitter extends Splitter {
  /**
   * tiktoken's split expression, with possessive quantifiers (as jtokkit writes it): the same matches.
   * Not compiled here: the tests' oracle and the benchmark's baseline.
   */
  static final String EXPRESSION = String.join("|",
      "'(?i:[sdmt]|ll|ve|re)",
      "[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+",
      "\\p{N}{1,3}",
      " ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*",
      "\\s*[\\r\\n]",
      "\\s+(?!\\S)",
      "\\s+");

  @Override
  int pieceEnd(CharSequence text, int start, int to) {
    int cp = codePointAt(text, start, to);
    int next = start + Character.charCount(cp);
    if (cp == '\'') {
      int end = contractionEnd(text, next, to);
      if (end > 0) return end;
    }
    int classes = CharClass.of(cp);
    if ((classes & LETTER) != 0) return runEnd(text, next, to, LETTER);
    // A possessive optional first character: taken if it may be, and then letters must follow.
    if ((classes & (LETTER | NUMBER | NEWLINE)) == 0 && next < to
        && (CharClass.of(codePointAt(text, next, to)) & LETTER) != 0) {
      return runEnd(text, next, to, LETTER);
    }
    if ((classes & NUMBER) != 0) return numberEnd(text, start, cp, to);
    int end = punctuationEnd(text, start, cp, to, false);
    return end > 0 ? end : whitespaceEnd(text, start, to);
  }
}
