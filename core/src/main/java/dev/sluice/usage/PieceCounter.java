package dev.sluice.usage;

/**
 * Counts the tokens of the pieces of one text, as tiktoken encodes them: a piece that is a token is
 * one; else, starting from its single bytes, the adjacent pair whose concatenation has the lowest
 * rank is merged (the leftmost of equal ones) until no pair is a token, and the parts are counted.
 *
 * <p>The pairs wait in a binary heap keyed by rank, then position, so a piece of n bytes costs
 * O(n log n) rather than the O(n²) of rescanning all pairs per merge: a minified blob or a long run
 * of letters can be one piece of many kilobytes. A merge changes at most two pairs; their new entries
 * are pushed and the old ones skipped when popped (a pair's span only grows, and different byte
 * strings have different ranks, so an old entry never matches again).
 *
 * <p>Each piece is encoded to UTF-8 into an array kept across pieces; the arrays grow to the longest
 * piece. One per count, not thread-safe.
 */
final class PieceCounter {
  /** How a lone surrogate (a half of a pair without the other) becomes bytes. */
  enum LoneSurrogates {
    /** As {@link String#getBytes} has it: the byte of {@code ?}. */
    QUESTION_MARK,
    /** Its own three-byte form ({@code ED A0 80} for U+D800), as if it were a character. */
    THREE_BYTES
  }

  private final BpeVocabulary vocabulary;
  private final LoneSurrogates loneSurrogates;
  private byte[] utf8 = new byte[64];
  // The merge's arrays, made at the first piece that is no token: most counts never need them.
  /** Per byte position: the rank of the pair starting there, or {@link BpeVocabulary#NONE}. */
  private int[] pairRank = new int[0];
  private int[] next;
  private int[] previous;
  /** Min-heap of {@code rank << 32 | position}. */
  private long[] heap;
  private int heapSize;

  PieceCounter(BpeVocabulary vocabulary, LoneSurrogates loneSurrogates) {
    this.vocabulary = vocabulary;
    this.loneSurrogates = loneSurrogates;
  }

  /** Tokens of the piece {@code text[from .. to)}. */
  int count(CharSequence text, int from, int to) {
    int length = encode(text, from, to);
    if (vocabulary.rank(utf8, 0, length) != BpeVocabulary.NONE) return 1;
    return merge(length);
  }

  /** Encodes {@code text[from .. to)} into {@link #utf8}; its length in bytes. */
  private int encode(CharSequence text, int from, int to) {
    int most = 3 * (to - from); // a char takes at most 3 bytes; a pair of them 4
    if (utf8.length < most) utf8 = new byte[Math.max(most, utf8.length * 2)];
    byte[] out = utf8;
    int n = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        out[n++] = (byte) c;
      } else if (c < 0x800) {
        out[n++] = (byte) (0xc0 | c >> 6);
        out[n++] = (byte) (0x80 | c & 0x3f);
      } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, text.charAt(++i));
        out[n++] = (byte) (0xf0 | cp >> 18);
        out[n++] = (byte) (0x80 | cp >> 12 & 0x3f);
        out[n++] = (byte) (0x80 | cp >> 6 & 0x3f);
        out[n++] = (byte) (0x80 | cp & 0x3f);
      } else if (Character.isSurrogate(c) && loneSurrogates == LoneSurrogates.QUESTION_MARK) {
        out[n++] = '?';
      } else {
        out[n++] = (byte) (0xe0 | c >> 12);
        out[n++] = (byte) (0x80 | c >> 6 & 0x3f);
        out[n++] = (byte) (0x80 | c & 0x3f);
      }
    }
    return n;
  }

  /** Merges {@link #utf8}{@code [0 .. length)}, at least two bytes, from single bytes; the parts left. */
  private int merge(int length) {
    if (pairRank.length < length + 1) {
      int size = Math.max(Math.max(length + 1, 32), pairRank.length * 2);
      pairRank = new int[size];
      next = new int[size];
      previous = new int[size];
      heap = new long[3 * size];
    }
    heapSize = 0;
    // Position i is the part starting at byte i; position length ends the last part.
    for (int i = 0; i < length; i++) {
      next[i] = i + 1;
      previous[i] = i - 1;
      pairRank[i] = i + 2 <= length ? vocabulary.rank(utf8, i, i + 2) : BpeVocabulary.NONE;
      if (pairRank[i] != BpeVocabulary.NONE) push(pairRank[i], i);
    }
    previous[length] = length - 1;
    int parts = length;
    while (heapSize > 0) {
      long top = pop();
      int at = (int) top;
      if (pairRank[at] != (int) (top >>> 32)) continue; // an entry of a pair since changed or merged
      int merged = next[at];
      int after = next[merged];
      pairRank[merged] = BpeVocabulary.NONE;
      next[at] = after;
      previous[after] = at;
      parts--;
      pairRank[at] = after < length ? vocabulary.rank(utf8, at, next[after]) : BpeVocabulary.NONE;
      if (pairRank[at] != BpeVocabulary.NONE) push(pairRank[at], at);
      int before = previous[at];
      if (before >= 0) {
        pairRank[before] = vocabulary.rank(utf8, before, after);
        if (pairRank[before] != BpeVocabulary.NONE) push(pairRank[before], before);
      }
    }
    return parts;
  }

  private void push(int rank, int position) {
    long key = (long) rank << 32 | position;
    int i = heapSize++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (heap[parent] <= key) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = key;
  }

  private long pop() {
    long top = heap[0];
    long last = heap[--heapSize];
    int i = 0;
    for (int child; (child = 2 * i + 1) < heapSize; i = child) {
      if (child + 1 < heapSize && heap[child + 1] < heap[child]) child++;
      if (heap[child] >= last) break;
      heap[i] = heap[child];
    }
    heap[i] = last;
    return top;
  }
}
