package dev.sluice.sse;

import static dev.sluice.sse.SseTestSupport.bytes;
import static dev.sluice.sse.SseTestSupport.concat;
import static dev.sluice.sse.SseTestSupport.parseWhole;
import static dev.sluice.sse.SseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The byte view the parser dispatches: the same event as an {@link SseEvent}, read in place. */
class SseEventViewTest {

  /** What a view said during its callback, with its bytes copied out. */
  private record Seen(String type, String lastEventId, byte[] bytes, String data, boolean wellFormed,
      boolean blank, boolean startsWithDone) {}

  private static List<Seen> viewsOf(byte[] stream) {
    List<Seen> seen = new ArrayList<>();
    SseParser parser = new SseParser(new SseListener() {
      @Override
      public void onEvent(SseEvent event) {
        throw new AssertionError("the parser dispatches views");
      }

      @Override
      public void onEvent(SseEventView v) {
        // Blank and prefix first, so that they are answered before data() has decoded anything.
        boolean blank = v.isDataBlank();
        boolean done = v.dataStartsWith("[DONE]");
        byte[] b = Arrays.copyOfRange(v.dataArray(), v.dataOffset(), v.dataOffset() + v.dataLength());
        seen.add(new Seen(v.type(), v.lastEventId(), b, v.data(), v.isWellFormedUtf8(), blank, done));
      }
    });
    parser.feed(stream, 0, stream.length);
    parser.end();
    return seen;
  }

  @Test
  void eachViewSaysWhatTheEventAStringListenerGetsSays() {
    RandomCases.forAll(2000, SsePropertiesTest::randomStream, SseTestSupport::show, stream -> {
      List<SseEvent> events = parseWhole(stream).events();
      List<Seen> views = viewsOf(stream);
      assertThat(views).hasSameSizeAs(events);
      for (int i = 0; i < events.size(); i++) {
        SseEvent e = events.get(i);
        Seen v = views.get(i);
        assertThat(new SseEvent(v.type(), v.data(), v.lastEventId())).isEqualTo(e);
        assertThat(Utf8.decode(v.bytes(), 0, v.bytes().length)).isEqualTo(e.data());
        assertThat(v.blank()).isEqualTo(e.data().isBlank());
        assertThat(v.startsWithDone()).isEqualTo(e.data().startsWith("[DONE]"));
        assertThat(v.wellFormed()).isEqualTo(strictlyDecodes(v.bytes()));
      }
    });
  }

  @Test
  void theBytesAreTheDataAsReceivedInvalidSequencesIncluded() {
    byte[] stream = concat(utf8("data: a"), bytes(0xFF), utf8("\ndata: \u00e9\n\n"));
    Seen v = viewsOf(stream).getFirst();
    assertThat(v.bytes()).isEqualTo(concat(utf8("a"), bytes(0xFF), utf8("\n\u00e9")));
    assertThat(v.data()).isEqualTo("a\uFFFD\n\u00e9");
    assertThat(v.wellFormed()).isFalse();
  }

  @Test
  void aBlankCheckDecodesOnlyForNonAsciiSpace() {
    // U+3000 is whitespace to String.isBlank; U+00A0 is not.
    assertThat(viewsOf(utf8("data: \t \u3000\n\n")).getFirst().blank()).isTrue();
    assertThat(viewsOf(utf8("data: \u00a0\n\n")).getFirst().blank()).isFalse();
  }

  @Test
  void aViewCannotBeReadAfterItsCallback() {
    List<SseEventView> kept = new ArrayList<>();
    SseParser parser = new SseParser(new SseListener() {
      @Override
      public void onEvent(SseEvent event) {}

      @Override
      public void onEvent(SseEventView view) {
        kept.add(view);
      }
    });
    parser.feed(utf8("data: x\n\n"), 0, 9);
    assertThatThrownBy(() -> kept.getFirst().dataArray()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> kept.getFirst().data()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aViewOfAStringEventHoldsItsUtf8AndStaysValid() {
    SseEventView view = SseEventView.of(new SseEvent("delta", "caf\u00e9 \ud83c\udf89", "7"));
    assertThat(Arrays.copyOfRange(view.dataArray(), view.dataOffset(), view.dataOffset() + view.dataLength()))
        .isEqualTo(utf8("caf\u00e9 \ud83c\udf89"));
    assertThat(view.isWellFormedUtf8()).isTrue();
    assertThat(view.toEvent()).isEqualTo(new SseEvent("delta", "caf\u00e9 \ud83c\udf89", "7"));
    // An unpaired surrogate has no UTF-8: the bytes then do not say what the String says.
    SseEventView lone = SseEventView.of(SseEvent.message("x\ud83c"));
    assertThat(lone.isWellFormedUtf8()).isFalse();
    assertThat(lone.data()).isEqualTo("x\ud83c");
  }

  @Test
  void wellFormednessAgreesWithTheJdksStrictDecoder() {
    int[] alphabet = {'a', ' ', 0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
        0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
    SplittableRandom random = new SplittableRandom(20261202L);
    for (int i = 0; i < 200_000; i++) {
      // Long enough for the eight-byte ASCII steps to meet a non-ASCII byte at every position.
      byte[] in = new byte[random.nextInt(24)];
      for (int j = 0; j < in.length; j++) {
        in[j] = (byte) (random.nextInt(3) == 0 ? alphabet[random.nextInt(alphabet.length)] : 'a');
      }
      assertThat(Utf8.isWellFormed(in, 0, in.length)).as(SseTestSupport.show(in)).isEqualTo(strictlyDecodes(in));
    }
  }

  private static boolean strictlyDecodes(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
