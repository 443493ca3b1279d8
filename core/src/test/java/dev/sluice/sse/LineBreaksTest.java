package dev.sluice.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LineBreaksTest {

  private static int naive(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == '\n' || b[i] == '\r') return i;
    }
    return -1;
  }

  /**
   * Every byte value at every position of a word and of the scalar tail, over fillers chosen to provoke
   * the word trick's borrows (0x00, 0x01, bytes one above LF and CR, and their high-bit twins), and over
   * every sub-range, so word alignment relative to the match varies too.
   */
  @Test
  void findsTheFirstCrOrLfForEveryByteAtEveryPositionAndRange() {
    int[] fillers = {0x00, 0x01, 0x0B, 0x0C, 0x0E, 0x8A, 0x8D, 0x80, 0xFF, 'a'};
    int size = 20;
    for (int filler : fillers) {
      for (int pos = 0; pos < size; pos++) {
        for (int v = 0; v < 256; v++) {
          byte[] b = new byte[size];
          Arrays.fill(b, (byte) filler);
          b[pos] = (byte) v;
          if (pos + 1 < size) b[pos + 1] = '\n'; // a later break must not win
          for (int from = 0; from <= size; from++) {
            for (int to = from; to <= size; to += 3) {
              assertThat(LineBreaks.indexOf(b, from, to))
                  .as("filler %02X, %02X at %d, [%d,%d)", filler, v, pos, from, to)
                  .isEqualTo(naive(b, from, to));
            }
          }
        }
      }
    }
  }

  @Test
  void agreesWithANaiveScanOnRandomBytes() {
    SplittableRandom random = new SplittableRandom(7);
    for (int t = 0; t < 20_000; t++) {
      byte[] b = new byte[random.nextInt(100)];
      for (int i = 0; i < b.length; i++) b[i] = (byte) (random.nextInt(40) == 0 ? '\r' : random.nextInt(256));
      int from = random.nextInt(b.length + 1);
      int to = random.nextInt(from, b.length + 1);
      assertThat(LineBreaks.indexOf(b, from, to)).isEqualTo(naive(b, from, to));
    }
  }
}
