package dev.sluice.sse;

import static dev.sluice.sse.SseTestSupport.bytes;
import static dev.sluice.sse.SseTestSupport.show;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** WHATWG UTF-8 decoding: one U+FFFD per maximal invalid subpart. */
class Utf8Test {

  private static final String R = "\uFFFD";

  static Stream<Arguments> whatwgCases() {
    return Stream.of(
        Arguments.of("valid 2, 3 and 4 byte sequences",
            bytes(0xC3, 0xA9, 0xE2, 0x9C, 0x93, 0xF0, 0x9F, 0x8E, 0x89), "é✓🎉"),
        Arguments.of("lone continuation byte", bytes(0x80), R),
        Arguments.of("bytes that never start a sequence", bytes(0xC0, 0xC1, 0xF5, 0xFF), R + R + R + R),
        Arguments.of("overlong 2-byte slash", bytes(0xC0, 0xAF), R + R),
        Arguments.of("overlong 3-byte: E0 admits only A0..BF next", bytes(0xE0, 0x80, 0xAF), R + R + R),
        Arguments.of("overlong 4-byte: F0 admits only 90..BF next", bytes(0xF0, 0x80, 0x80, 0xAF), R + R + R + R),
        Arguments.of("encoded surrogate: ED admits only 80..9F next", bytes(0xED, 0xA0, 0x80), R + R + R),
        Arguments.of("truncated encoded surrogate", bytes(0xED, 0xBF, 'A'), R + R + "A"),
        Arguments.of("past U+10FFFF: F4 admits only 80..8F next", bytes(0xF4, 0x90, 0x80, 0x80), R + R + R + R),
        Arguments.of("truncated 3-byte before ASCII is one subpart", bytes(0xE2, 0x82, 'x'), R + "x"),
        Arguments.of("truncated 4-byte at the end is one subpart", bytes(0xF0, 0x9F, 0x8E), R),
        Arguments.of("truncated then a fresh start", bytes(0xE2, 0xE2, 0x82, 0xAC), R + "€"),
        Arguments.of("a real U+FFFD stays one", bytes(0xEF, 0xBF, 0xBD, 'a'), R + "a"),
        Arguments.of("U+0000 is valid", bytes(0x00), "\0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("whatwgCases")
  void replacesEachMaximalInvalidSubpartWithOneReplacementCharacter(String name, byte[] in, String expected) {
    assertThat(Utf8.decode(in, 0, in.length)).isEqualTo(expected);
    assertThat(Utf8.decodeWhatwg(in, 0, in.length)).isEqualTo(expected);
  }

  @Test
  void decodesOnlyTheGivenRange() {
    byte[] in = bytes('x', 0xC3, 0xA9, 0xED, 0xA0, 'y');
    assertThat(Utf8.decode(in, 1, 2)).isEqualTo("é");
    assertThat(Utf8.decode(in, 3, 2)).isEqualTo(R + R);
    assertThat(Utf8.decode(in, 0, 0)).isEmpty();
  }

  /**
   * Against an independent implementation: the JDK decoder, which agrees with WHATWG everywhere except
   * on ED followed by A0..BF (an encoded surrogate), where it collapses the sequence into one U+FFFD.
   */
  @Test
  void agreesWithTheJdkDecoderWhereTheJdkFollowsWhatwg() {
    int[] alphabet = {'a', '\n', 0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
        0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
    SplittableRandom random = new SplittableRandom(20260925L);
    int compared = 0;
    for (int i = 0; i < 200_000; i++) {
      byte[] in = new byte[random.nextInt(10)];
      for (int j = 0; j < in.length; j++) in[j] = (byte) alphabet[random.nextInt(alphabet.length)];
      String whatwg = Utf8.decodeWhatwg(in, 0, in.length);
      assertThat(Utf8.decode(in, 0, in.length)).as(show(in)).isEqualTo(whatwg);
      if (hasEncodedSurrogatePrefix(in)) continue;
      assertThat(whatwg).as(show(in)).isEqualTo(new String(in, StandardCharsets.UTF_8));
      compared++;
    }
    assertThat(compared).isGreaterThan(100_000);
  }

  private static boolean hasEncodedSurrogatePrefix(byte[] in) {
    for (int i = 0; i + 1 < in.length; i++) {
      if ((in[i] & 0xFF) == 0xED && (in[i + 1] & 0xFF) >= 0xA0 && (in[i + 1] & 0xFF) <= 0xBF) return true;
    }
    return false;
  }
}
