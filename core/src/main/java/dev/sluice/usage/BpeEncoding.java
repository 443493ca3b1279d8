package dev.sluice.usage;

import dev.sluice.usage.PieceCounter.LoneSurrogates;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of OpenAI's byte-pair encodings, for counting only: the text is split into pieces by the
 * encoding's regular expression, and each piece's tokens are counted ({@link PieceCounter}).
 *
 * <p>Counts are those of jtokkit's {@code countTokensOrdinary}, which the tests check on a varied
 * corpus: the same split expressions (tiktoken's, compiled as jtokkit compiles them, with
 * {@link Pattern#UNICODE_CHARACTER_CLASS}) and the same merge. Where jtokkit strays from tiktoken it
 * is followed, so that counts never changed with the switch: a lone surrogate, which tiktoken reads
 * as U+FFFD, is the byte {@code ?} in {@code o200k_base} (jtokkit encodes the pieces with
 * {@link String#getBytes}) and its own three bytes in {@code cl100k_base} (jtokkit's hand-written
 * splitter for it encodes them so).
 *
 * <p>The vocabulary is loaded at the first count, once, by whichever thread needs it first (the
 * others wait for it): a gateway that never estimates holds neither vocabulary.
 */
final class BpeEncoding {
  /**
   * GPT-4 and GPT-3.5. The expression is tiktoken's with possessive quantifiers (as jtokkit writes
   * it): the same matches, with no backtracking.
   */
  static final BpeEncoding CL100K_BASE = new BpeEncoding("cl100k_base", String.join("|",
      "'(?i:[sdmt]|ll|ve|re)",
      "[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+",
      "\\p{N}{1,3}",
      " ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*",
      "\\s*[\\r\\n]",
      "\\s+(?!\\S)",
      "\\s+"), LoneSurrogates.THREE_BYTES);

  /** GPT-4o, GPT-4.1, GPT-5, the o-series. tiktoken's expression as it is. */
  static final BpeEncoding O200K_BASE = new BpeEncoding("o200k_base", String.join("|",
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
      "\\p{N}{1,3}",
      " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
      "\\s*[\\r\\n]+",
      "\\s+(?!\\S)",
      "\\s+"), LoneSurrogates.QUESTION_MARK);

  private final String name;
  private final Pattern split;
  private final LoneSurrogates loneSurrogates;
  private volatile BpeVocabulary vocabulary;

  private BpeEncoding(String name, String split, LoneSurrogates loneSurrogates) {
    this(name, Pattern.compile(split, Pattern.UNICODE_CHARACTER_CLASS), loneSurrogates);
  }

  private BpeEncoding(String name, Pattern split, LoneSurrogates loneSurrogates) {
    this.name = name;
    this.split = split;
    this.loneSurrogates = loneSurrogates;
  }

  /** {@code cl100k_base} or {@code o200k_base}. */
  String name() {
    return name;
  }

  /** Tokens of {@code text} as ordinary text (special-token markers count as text). */
  int count(CharSequence text) {
    return count(text, 0, text.length());
  }

  /** Tokens of {@code text[from .. to)}, counted as if it were the whole text. */
  int count(CharSequence text, int from, int to) {
    if (from == to) return 0;
    var pieces = new PieceCounter(vocabulary(), loneSurrogates);
    int tokens = 0;
    // Opaque region bounds (the default): the split's look-ahead sees nothing at or after 'to'.
    for (Matcher m = split.matcher(text).region(from, to); m.find(); ) tokens += pieces.count(text, m.start(), m.end());
    return tokens;
  }

  /** The vocabulary, loaded now if this is the first count. */
  BpeVocabulary vocabulary() {
    BpeVocabulary loaded = vocabulary;
    if (loaded == null) {
      synchronized (this) {
        loaded = vocabulary;
        if (loaded == null) vocabulary = loaded = BpeVocabulary.load("bpe/" + name + ".tiktoken.gz");
      }
    }
    return loaded;
  }

  /** Whether the vocabulary has been loaded (for the tests of lazy loading). */
  boolean holdsVocabulary() {
    return vocabulary != null;
  }

  /** The same encoding with nothing loaded yet (for the tests of lazy loading). */
  BpeEncoding unloadedTwin() {
    return new BpeEncoding(name, split, loneSurrogates);
  }
}
