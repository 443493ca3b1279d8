package dev.sluice.usage;

import dev.sluice.usage.PieceCounter.LoneSurrogates;

/**
 * One of OpenAI's byte-pair encodings, for counting only: the text is split into pieces as the
 * encoding's regular expression splits it ({@link Splitter}), and each piece's tokens are counted
 * ({@link PieceCounter}).
 *
 * <p>Counts are those of jtokkit's {@code countTokensOrdinary}, which the tests check on a varied
 * corpus: the same pieces as the split expressions (tiktoken's, compiled as jtokkit compiles them,
 * with {@code UNICODE_CHARACTER_CLASS}) find, and the same merge. Where jtokkit strays from tiktoken it
 * is followed, so that counts never changed with the switch: a lone surrogate, which tiktoken reads
 * as U+FFFD, is the byte {@code ?} in {@code o200k_base} (jtokkit encodes the pieces with
 * {@link String#getBytes}) and its own three bytes in {@code cl100k_base} (jtokkit's hand-written
 * splitter for it encodes them so).
 *
 * <p>The vocabulary is loaded at the first count, once, by whichever thread needs it first (the
 * others wait for it): a gateway that never estimates holds neither vocabulary.
 */
final class BpeEncoding {
  /** GPT-4 and GPT-3.5. */
  static final BpeEncoding CL100K_BASE =
      new BpeEncoding("cl100k_base", new Cl100kSplitter(), LoneSurrogates.THREE_BYTES);

  /** GPT-4o, GPT-4.1, GPT-5, the o-series. */
  static final BpeEncoding O200K_BASE =
      new BpeEncoding("o200k_base", new O200kSplitter(), LoneSurrogates.QUESTION_MARK);

  private final String name;
  private final Splitter split;
  private final LoneSurrogates loneSurrogates;
  private volatile BpeVocabulary vocabulary;

  private BpeEncoding(String name, Splitter split, LoneSurrogates loneSurrogates) {
    this.name = name;
    this.split = split;
    this.loneSurrogates = loneSurrogates;
  }

  /** {@code cl100k_base} or {@code o200k_base}. */
  String name() {
    return name;
  }

  /** Where this encoding's pieces are. */
  Splitter splitter() {
    return split;
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
    for (int start = from; start < to; ) {
      int end = split.pieceEnd(text, start, to);
      tokens += pieces.count(text, start, end);
      start = end;
    }
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
