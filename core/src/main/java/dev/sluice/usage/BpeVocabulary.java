package dev.sluice.usage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.GZIPInputStream;

/**
 * The mergeable tokens of one byte-pair vocabulary and their ranks, in three flat arrays instead of
 * a map of boxed keys and values.
 *
 * <p>In tiktoken's vocabularies a token's rank is its line number (checked while loading), so token
 * {@code r}'s bytes are {@code tokens[offsets[r] .. offsets[r + 1])}, and a byte string is looked up
 * in {@code index}, an open-addressing table (linear probing, at most half full) whose entries hold
 * the rank plus one in their low bits and spare bits of the string's hash above it, so that a probe
 * compares bytes only when the hash matches. Live heap held by one loaded encoding, measured as the
 * difference of two {@code GC.class_histogram} totals around its first count in a JVM of its own
 * (Java 25, G1, compact object headers as in {@code jvm.options}; G1's filler arrays left out):
 *
 * <pre>
 *                jtokkit 1.1.0 (maps)   these arrays (bytes + offsets + index)
 * cl100k_base    12.11 MB               2.11 MB (0.64 + 0.40 + 1.05)
 * o200k_base     24.41 MB               4.31 MB (1.40 + 0.80 + 2.10)
 * </pre>
 *
 * <p>The first count in a fresh JVM, loading included (gunzip, parse, index), took 60 to 90 ms with
 * {@code cl100k_base} and 100 to 150 ms with {@code o200k_base} on a busy shared 2-core machine;
 * jtokkit's took 340 to 550 ms and 620 to 1,500 ms there.
 *
 * <p>Immutable once loaded, so shared by every thread without locking.
 */
final class BpeVocabulary {
  /** What {@link #rank} answers for bytes that are no token. */
  static final int NONE = -1;
  /** The value of each base64 digit (RFC 4648's alphabet), -1 for other ASCII. */
  private static final int[] BASE64 = new int[128];

  static {
    Arrays.fill(BASE64, -1);
    String digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < digits.length(); i++) BASE64[digits.charAt(i)] = i;
  }

  private final byte[] tokens;
  private final int[] offsets;
  private final int[] index;
  /** Bits of an {@link #index} entry that hold the rank plus one; the bits above hold hash bits. */
  private final int rankBits;
  private final int slotShift;

  private BpeVocabulary(byte[] tokens, int[] offsets, int size) {
    this.tokens = tokens;
    this.offsets = offsets;
    this.rankBits = 32 - Integer.numberOfLeadingZeros(size);
    int slotBits = 32 - Integer.numberOfLeadingZeros(2 * size - 1);
    this.slotShift = 32 - slotBits;
    this.index = new int[1 << slotBits];
    int mask = index.length - 1;
    for (int rank = 0; rank < size; rank++) {
      int hash = hash(tokens, offsets[rank], offsets[rank + 1]);
      int slot = hash >>> slotShift;
      while (index[slot] != 0) slot = (slot + 1) & mask;
      index[slot] = tag(hash) | (rank + 1);
    }
  }

  /**
   * Reads a vocabulary in tiktoken's format (a line {@code base64-token rank} per token, ranks
   * 0, 1, 2, ...), gzip-compressed, from the class path.
   */
  static BpeVocabulary load(String resource) {
    try (InputStream raw = BpeVocabulary.class.getResourceAsStream(resource)) {
      if (raw == null) throw new IllegalStateException("tokenizer vocabulary " + resource + " is missing");
      byte[] text;
      try (var in = new GZIPInputStream(raw, 1 << 16)) {
        text = in.readAllBytes();
      }
      return parse(text, resource);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer vocabulary " + resource, e);
    }
  }

  private static BpeVocabulary parse(byte[] text, String resource) {
    // Decoded tokens are about half as long as their lines (base64, a space, the rank, a newline).
    byte[] tokens = new byte[text.length / 2];
    int[] offsets = new int[1 << 16];
    int size = 0;
    int used = 0;
    for (int line = 0; line < text.length; ) {
      int space = indexOf(text, (byte) ' ', line);
      int end = indexOf(text, (byte) '\n', space);
      if (space == text.length || parseRank(text, space + 1, end) != size) {
        throw new IllegalStateException(resource + ": token " + size + " is not on line " + (size + 1));
      }
      if (used + space - line > tokens.length) tokens = Arrays.copyOf(tokens, Math.max(used + space - line, tokens.length * 3 / 2));
      if (size + 1 >= offsets.length) offsets = Arrays.copyOf(offsets, offsets.length * 2);
      offsets[size++] = used;
      used = decodeBase64(text, line, space, tokens, used, resource);
      line = end + 1;
    }
    offsets[size] = used;
    return new BpeVocabulary(Arrays.copyOf(tokens, used), Arrays.copyOf(offsets, size + 1), size);
  }

  /**
   * Decodes the padded base64 {@code text[from .. to)} into {@code out} at {@code at}; where it ends.
   * By hand rather than with {@link Base64}, which decodes only whole arrays or buffers: wrapping
   * each line in a buffer to decode it made loading {@code cl100k_base} take about 150 ms, not 50.
   */
  private static int decodeBase64(byte[] text, int from, int to, byte[] out, int at, String resource) {
    int bits = 0;
    int held = 0;
    for (int i = from; i < to && text[i] != '='; i++) {
      int value = text[i] < 0 ? -1 : BASE64[text[i]];
      if (value < 0) throw new IllegalStateException(resource + ": not base64 at byte " + i);
      bits = bits << 6 | value;
      held += 6;
      if (held >= 8) {
        held -= 8;
        out[at++] = (byte) (bits >> held);
      }
    }
    return at;
  }

  private static int indexOf(byte[] text, byte b, int from) {
    int i = from;
    while (i < text.length && text[i] != b) i++;
    return i;
  }

  private static int parseRank(byte[] text, int from, int to) {
    if (from >= to) return NONE;
    int rank = 0;
    for (int i = from; i < to; i++) {
      int digit = text[i] - '0';
      if (digit < 0 || digit > 9) return NONE;
      rank = rank * 10 + digit;
    }
    return rank;
  }

  /** Number of tokens; their ranks are 0 to size - 1. */
  int size() {
    return offsets.length - 1;
  }

  /** The rank of the token {@code bytes[from .. to)}, or {@link #NONE}. */
  int rank(byte[] bytes, int from, int to) {
    int hash = hash(bytes, from, to);
    int tag = tag(hash);
    int tagMask = -1 << rankBits;
    int mask = index.length - 1;
    int length = to - from;
    for (int slot = hash >>> slotShift, entry; (entry = index[slot]) != 0; slot = (slot + 1) & mask) {
      if ((entry & tagMask) != tag) continue;
      int rank = (entry & ~tagMask) - 1;
      int start = offsets[rank];
      if (offsets[rank + 1] - start == length && Arrays.equals(tokens, start, start + length, bytes, from, to)) {
        return rank;
      }
    }
    return NONE;
  }

  /** A copy of the bytes of the token of rank {@code rank}. */
  byte[] token(int rank) {
    return Arrays.copyOfRange(tokens, offsets[rank], offsets[rank + 1]);
  }

  /** The hash's low bits, moved above the rank (its high bits choose the slot); never the sign bit. */
  private int tag(int hash) {
    return (hash << rankBits) & Integer.MAX_VALUE;
  }

  /** FNV-1a over the bytes, then MurmurHash3's finalizer so that both ends of the hash are mixed. */
  private static int hash(byte[] bytes, int from, int to) {
    int h = 0x811c9dc5;
    for (int i = from; i < to; i++) h = (h ^ (bytes[i] & 0xff)) * 0x01000193;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }
}
