package dev.sluice.usage;

import static dev.sluice.usage.CharClass.LETTER;
import static dev.sluice.usage.CharClass.LOWER;
import static dev.sluice.usage.CharClass.NEWLINE;
import static dev.sluice.usage.CharClass.NUMBER;
import static dev.sluice.usage.CharClass.UPPER;
import static dev.sluice.usage.CharClass.codePointAt;

/**
 * {@code o200k_base}'s pieces, as tiktoken's expression ({@link #EXPRESSION}) finds them. With
 * {@code U} for {@code [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]}, {@code W} for {@code [\p{Ll}\p{Lm}\p{Lo}\p{M}]}
 * and {@code C} for {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)}, its letter alternatives are
 * {@code [^\r\n\p{L}\p{N}]?U*W+C?} and then {@code [^\r\n\p{L}\p{N}]?U+W*C?}.
 *
 * <p>Nothing there is possessive, and the classes overlap (modifier and other letters and marks are in
 * both, and a mark may also be the optional first character), so the letter alternatives backtrack:
 * {@code U*W+} with no lower-case letter after the upper run ends after the run's last character that
 * is also in {@code W}; the first character is given back when the rest fails with it.
 */
final class O200kSplitter extends Splitter {
  /**
   * tiktoken's split expression as it is. Not compiled here: the tests' oracle and the benchmark's
   * baseline.
   */
  static final String EXPRESSION = String.join("|",
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
      "\\p{N}{1,3}",
      " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
      "\\s*[\\r\\n]+",
      "\\s+(?!\\S)",
      "\\s+");

  @Override
  int pieceEnd(CharSequence text, int start, int to) {
    int cp = codePointAt(text, start, to);
    int next = start + Character.charCount(cp);
    int classes = CharClass.of(cp);
    boolean mayLead = (classes & (LETTER | NUMBER | NEWLINE)) == 0 && next < to;
    if (mayLead) {
      int end = upperThenLowerEnd(text, next, to);
      if (end > 0) return contractionOrNot(text, end, to);
    }
    if ((classes & (UPPER | LOWER)) != 0) {
      int end = upperThenLowerEnd(text, start, to);
      if (end > 0) return contractionOrNot(text, end, to);
    }
    if (mayLead && (CharClass.of(codePointAt(text, next, to)) & UPPER) != 0) {
      return contractionOrNot(text, runEnd(text, runEnd(text, next, to, UPPER), to, LOWER), to);
    }
    if ((classes & UPPER) != 0) return contractionOrNot(text, runEnd(text, runEnd(text, start, to, UPPER), to, LOWER), to);
    if ((classes & NUMBER) != 0) return numberEnd(text, start, cp, to);
    int end = punctuationEnd(text, start, cp, to, true);
    return end > 0 ? end : whitespaceEnd(text, start, to);
  }

  /** {@code U*W+} at {@code at}: its end, or -1. */
  private static int upperThenLowerEnd(CharSequence text, int at, int to) {
    int end = at;
    int afterLastAlsoLower = -1;
    while (end < to) {
      int cp = codePointAt(text, end, to);
      int classes = CharClass.of(cp);
      if ((classes & UPPER) == 0) {
        if ((classes & LOWER) != 0) return runEnd(text, end, to, LOWER);
        break;
      }
      end += Character.charCount(cp);
      if ((classes & LOWER) != 0) afterLastAlsoLower = end;
    }
    // U* gives back characters until one it gave back is in W: W+ is that one (the next is not in W).
    return afterLastAlsoLower;
  }

  /** {@code C?} at {@code at}. */
  private static int contractionOrNot(CharSequence text, int at, int to) {
    if (at < to && text.charAt(at) == '\'') {
      int end = contractionEnd(text, at + 1, to);
      if (end > 0) return end;
    }
    return at;
  }
}
