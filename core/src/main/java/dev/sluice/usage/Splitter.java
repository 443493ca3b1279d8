package dev.sluice.usage;

import static dev.sluice.usage.CharClass.LETTER;
import static dev.sluice.usage.CharClass.NUMBER;
import static dev.sluice.usage.CharClass.SPACE;
import static dev.sluice.usage.CharClass.codePointAt;

/**
 * An encoding's pre-tokenizer: where the pieces of a text are, as its split expression (tiktoken's)
 * finds them with {@code java.util.regex}, without the regular expression. The expressions match
 * at every position, so the pieces tile the text: each piece starts where the one before it ended,
 * and {@link #pieceEnd} is all a counter asks. Hand-written because the matcher's search was 11 to 12
 * percent of the gateway's CPU when thousands of streams were counted at once (issue 14).
 *
 * <p>Each alternative of an expression is tried in its order at the piece's start, and the first that
 * matches is taken, with the length its greedy (or possessive) quantifiers give, backtracking included;
 * the tests compare the pieces with the expressions' on corpora and random text of every class.
 */
sealed abstract class Splitter permits Cl100kSplitter, O200kSplitter {
  /** The end of the piece that starts at {@code start}, in the text {@code text[.. to)}; after start. */
  abstract int pieceEnd(CharSequence text, int start, int to);

  /** The end of the run of code points in {@code classes} (any of them) from {@code at} on. */
  static int runEnd(CharSequence text, int at, int to, int classes) {
    int end = at;
    while (end < to) {
      int cp = codePointAt(text, end, to);
      if ((CharClass.of(cp) & classes) == 0) break;
      end += Character.charCount(cp);
    }
    return end;
  }

  /**
   * After an apostrophe at {@code at - 1}: the end of {@code s t m d ll ve re} in any case at
   * {@code at}, or -1. Both expressions have the same set; matched with {@code (?i)} under
   * {@code UNICODE_CHARACTER_CLASS}, which implies Unicode case, so the long s (U+017F) is an s too.
   */
  static int contractionEnd(CharSequence text, int at, int to) {
    if (at >= to) return -1;
    char c = text.charAt(at);
    char lower = c == '\u017F' ? 's' : c <= 'Z' && c >= 'A' ? (char) (c + ('a' - 'A')) : c;
    if (lower == 's' || lower == 't' || lower == 'm' || lower == 'd') return at + 1;
    if (at + 1 >= to) return -1;
    char d = text.charAt(at + 1);
    char lowerNext = d <= 'Z' && d >= 'A' ? (char) (d + ('a' - 'A')) : d;
    boolean pair = lower == 'l' ? lowerNext == 'l' : (lower == 'v' || lower == 'r') && lowerNext == 'e';
    return pair ? at + 2 : -1;
  }

  /** {@code \p{N}{1,3}} at {@code at}, whose code point {@code cp} is a number. */
  static int numberEnd(CharSequence text, int at, int cp, int to) {
    int end = at + Character.charCount(cp);
    for (int n = 1; n < 3 && end < to; n++) {
      int next = codePointAt(text, end, to);
      if ((CharClass.of(next) & NUMBER) == 0) break;
      end += Character.charCount(next);
    }
    return end;
  }

  /**
   * {@code " ?[^\s\p{L}\p{N}]+"} then any of {@code \r \n} (and {@code /} if {@code slash}), at
   * {@code at}, whose code point is {@code cp}; or -1. The optional space is taken when what follows
   * it is such a character, else the space is white space, not one of them.
   */
  static int punctuationEnd(CharSequence text, int at, int cp, int to, boolean slash) {
    int end = at;
    if (cp == ' ') {
      end++;
      if (end >= to) return -1;
      cp = codePointAt(text, end, to);
    }
    if ((CharClass.of(cp) & (LETTER | NUMBER | SPACE)) != 0) return -1;
    end += Character.charCount(cp);
    while (end < to) {
      int next = codePointAt(text, end, to);
      if ((CharClass.of(next) & (LETTER | NUMBER | SPACE)) != 0) break;
      end += Character.charCount(next);
    }
    while (end < to) {
      char c = text.charAt(end);
      if (c != '\r' && c != '\n' && !(slash && c == '/')) break;
      end++;
    }
    return end;
  }

  /**
   * The white-space alternatives, at {@code at}, which is white space: {@code \s*[\r\n]} (or
   * {@code \s*[\r\n]+}, the same piece: up to the last line break of the run), else
   * {@code \s+(?!\S)} (the run, but its last character if a non-space follows it and it is longer than
   * one), else {@code \s+}. Every white-space character is one char (none is beyond the BMP).
   */
  static int whitespaceEnd(CharSequence text, int at, int to) {
    int end = at;
    int afterLastNewline = -1;
    while (end < to) {
      char c = text.charAt(end);
      if ((CharClass.of(c) & SPACE) == 0) break;
      end++;
      if (c == '\r' || c == '\n') afterLastNewline = end;
    }
    if (afterLastNewline > 0) return afterLastNewline;
    return end == to || end - at == 1 ? end : end - 1;
  }
}
