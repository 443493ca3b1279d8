package dev.sluice.sse;

import static dev.sluice.sse.SseTestSupport.bytes;
import static dev.sluice.sse.SseTestSupport.concat;
import static dev.sluice.sse.SseTestSupport.parse;
import static dev.sluice.sse.SseTestSupport.parseByteByByte;
import static dev.sluice.sse.SseTestSupport.parseChunks;
import static dev.sluice.sse.SseTestSupport.parseWhole;
import static dev.sluice.sse.SseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.sse.SseTestSupport.Parsed;
import dev.sluice.sse.SseTestSupport.Recorder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec rules beyond the shared vectors, limits, and the parser's contract with its caller. */
class SseParserTest {

  private static final byte[] BOM = bytes(0xEF, 0xBB, 0xBF);

  private static SseEvent message(String data) {
    return SseEvent.message(data);
  }

  @Nested
  class ByteOrderMark {

    @Test
    void oneLeadingBomIsStripped() {
      assertThat(parseWhole(concat(BOM, utf8("data: x\n\n"))).events()).containsExactly(message("x"));
    }

    @Test
    void aLeadingBomSplitAcrossReadsIsStripped() {
      List<byte[]> reads = List.of(bytes(0xEF), bytes(0xBB), bytes(0xBF), utf8("data: x\n\n"));
      assertThat(parseChunks(reads).events()).containsExactly(message("x"));
      assertThat(parseChunks(List.of(bytes(0xEF, 0xBB), concat(bytes(0xBF), utf8("data: x\n\n")))).events())
          .containsExactly(message("x"));
    }

    @Test
    void aSecondBomIsPartOfTheFieldName() {
      assertThat(parseWhole(concat(BOM, BOM, utf8("data: x\n\n"))).events()).isEmpty();
    }

    @Test
    void aBomAfterALeadingBlankLineIsNotAtStreamStart() {
      assertThat(parseWhole(concat(utf8("\n"), BOM, utf8("data: x\n\n"))).events()).isEmpty();
    }

    @Test
    void aBomInsideAValueIsKept() {
      assertThat(parseWhole(concat(BOM, utf8("data: \uFEFFx\n\n"))).events()).containsExactly(message("\uFEFFx"));
    }

    @Test
    void aTruncatedBomIsAnInvalidSequenceNotAMark() {
      // EF BB then 'd' is one maximal invalid subpart: the field is named "\uFFFDdata" and ignored.
      assertThat(parseWhole(concat(bytes(0xEF, 0xBB), utf8("data: x\n\n"))).events()).isEmpty();
      // On a line of its own it is an unknown field and the next block still dispatches.
      assertThat(parseWhole(concat(bytes(0xEF, 0xBB), utf8("\ndata: x\n\n"))).events()).containsExactly(message("x"));
    }

    @Test
    void aBomAloneOnTheFirstLineLeavesABlankLine() {
      assertThat(parseWhole(concat(BOM, utf8("\ndata: x\n\n"))).events()).containsExactly(message("x"));
    }
  }

  @Nested
  class LineEndings {

    @Test
    void crAtTheEndOfAReadAndLfAtTheStartOfTheNextAreOneTerminator() {
      Parsed parsed = parseChunks(List.of(utf8("data: a\r"), utf8("\ndata: b\n\n")));
      assertThat(parsed.events()).containsExactly(message("a\nb"));
    }

    @Test
    void anEmptyReadBetweenCrAndLfDoesNotSeparateThem() {
      Parsed parsed = parseChunks(List.of(utf8("data: a\r"), new byte[0], utf8("\ndata: b\n\n")));
      assertThat(parsed.events()).containsExactly(message("a\nb"));
    }

    @Test
    void lfThenCrIsTwoTerminators() {
      assertThat(parse("data: a\n\rdata: b\n\n").events()).containsExactly(message("a"), message("b"));
    }

    @Test
    void crAtTheEndOfAReadFollowedByCrIsTwoTerminators() {
      Parsed parsed = parseChunks(List.of(utf8("data: a\r"), utf8("\rdata: b\r\r")));
      assertThat(parsed.events()).containsExactly(message("a"), message("b"));
    }

    @Test
    void onlyTheLfRightAfterACrIsSwallowed() {
      // CR LF LF: the first LF completes the CRLF, the second is a blank line.
      assertThat(parseChunks(List.of(utf8("data: a\r"), utf8("\n"), utf8("\n"))).events())
          .containsExactly(message("a"));
    }

    @Test
    void aCrDispatchesAsSoonAsItArrives() {
      Recorder recorder = new Recorder();
      SseParser parser = new SseParser(recorder);
      byte[] in = utf8("data: a\r\r");
      parser.feed(in, 0, in.length);
      assertThat(recorder.events).containsExactly(message("a"));
    }

    @Test
    void unicodeLineSeparatorsAreNotLineEndings() {
      assertThat(parse("data: a\u0085b\u2028c\u000Bd\u000Ce\n\n").events())
          .containsExactly(message("a\u0085b\u2028c\u000Bd\u000Ce"));
    }
  }

  @Nested
  class Fields {

    @ParameterizedTest
    @ValueSource(strings = {"Data: x", "DATA: x", " data: x", "data : x", "dat: x", "datas: x", "data\t: x"})
    void fieldNamesMatchExactlyAndCaseSensitively(String line) {
      assertThat(parse(line + "\n\n").events()).isEmpty();
    }

    @Test
    void onlyASpaceIsStrippedNotATab() {
      assertThat(parse("data:\tx\n\n").events()).containsExactly(message("\tx"));
    }

    @Test
    void nulIsOrdinaryInDataAndEventType() {
      assertThat(parse("event: a\0b\ndata: c\0d\n\n").events()).containsExactly(new SseEvent("a\0b", "c\0d", ""));
    }

    @Test
    void anIdContainingNulIsIgnored() {
      Parsed parsed = parse("id: 1\ndata: a\n\nid: 2\0\ndata: b\n\nid: \0\ndata: c\n\n");
      assertThat(parsed.events()).extracting(SseEvent::lastEventId).containsExactly("1", "1", "1");
      assertThat(parsed.lastEventId()).isEqualTo("1");
    }

    @Test
    void anEmptyIdResetsTheLastEventId() {
      Parsed parsed = parse("id: 1\ndata: a\n\nid:\ndata: b\n\nid: 2\ndata: c\n\nid\ndata: d\n\n");
      assertThat(parsed.events()).extracting(SseEvent::lastEventId).containsExactly("1", "", "2", "");
    }

    @Test
    void anIdInAnUndispatchedBlockDoesNotBecomeTheLastEventId() {
      Parsed parsed = parse("id: 1\ndata: a\n\nid: 2\ndata: b\n");
      assertThat(parsed.events()).containsExactly(new SseEvent("message", "a", "1"));
      assertThat(parsed.lastEventId()).isEqualTo("1");
    }

    @Test
    void theLastEventIdIsUpdatedBeforeTheListenerRuns() {
      List<String> seen = new ArrayList<>();
      SseParser[] parser = new SseParser[1];
      parser[0] = new SseParser(e -> seen.add(parser[0].lastEventId() + "=" + e.lastEventId()));
      byte[] in = utf8("id: 9\ndata: a\n\n");
      parser[0].feed(in, 0, in.length);
      assertThat(seen).containsExactly("9=9");
    }

    @Test
    void idValuesAreDecodedAsUtf8() {
      Parsed parsed = parseWhole(concat(utf8("id: é"), bytes(0xFF), utf8("\ndata: x\n\n")));
      assertThat(parsed.lastEventId()).isEqualTo("é\uFFFD");
    }

    @Test
    void eachEventTypeIsReportedEvenWhenItChangesBack() {
      Parsed parsed = parse(
          "event: a\ndata: 1\n\nevent: a\ndata: 2\n\nevent: b\ndata: 3\n\ndata: 4\n\nevent: a\ndata: 5\n\n");
      assertThat(parsed.events()).extracting(SseEvent::type).containsExactly("a", "a", "b", "message", "a");
      assertThat(parsed.events().get(0).type()).isSameAs(parsed.events().get(1).type()); // decoded once
    }

    @Test
    void invalidUtf8InDataBecomesOneReplacementPerMaximalSubpartWhereverTheReadsSplit() {
      byte[] in = concat(utf8("data: "), bytes(0xED, 0xA0, 0x80, 'x', 0xF0, 0x9F, 0x8E), utf8("\n\n"));
      SseEvent expected = message("\uFFFD\uFFFD\uFFFDx\uFFFD");
      assertThat(parseWhole(in).events()).containsExactly(expected);
      assertThat(parseByteByByte(in).events()).containsExactly(expected);
    }

    @Test
    void invalidUtf8InAFieldNameMakesItUnknown() {
      assertThat(parseWhole(concat(utf8("d"), bytes(0xFF), utf8("ata: x\n\n"))).events()).isEmpty();
    }
  }

  @Nested
  class Retry {

    @Test
    void asciiDigitsSetTheReconnectionTimeWhenTheLineEnds() {
      Recorder recorder = new Recorder();
      SseParser parser = new SseParser(recorder);
      byte[] in = utf8("retry: 1500\n");
      parser.feed(in, 0, in.length);
      assertThat(parser.retryMillis()).isEqualTo(1500);
      assertThat(recorder.retries).containsExactly(1500L);
      assertThat(recorder.events).isEmpty();
    }

    @Test
    void leadingZerosAndZeroAreValid() {
      assertThat(parse("retry: 007\n").retries()).containsExactly(7L);
      assertThat(parse("retry:0\n").retryMillis()).isZero();
    }

    @Test
    void digitsBeyondALongSaturate() {
      assertThat(parse("retry: 9223372036854775807\n").retryMillis()).isEqualTo(Long.MAX_VALUE);
      assertThat(parse("retry: 9223372036854775808\n").retryMillis()).isEqualTo(Long.MAX_VALUE);
      assertThat(parse("retry: 99999999999999999999999999999\n").retryMillis()).isEqualTo(Long.MAX_VALUE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"retry:", "retry", "retry: ", "retry:  1000", "retry: +5", "retry: -1", "retry: 1.5",
        "retry: 1e3", "retry: 1_000", "retry: 0x10", "retry: \uFF11\uFF12", "retry: \u0663", "retry: 1000 ",
        "retry: \t5", "Retry: 5"})
    void anythingButAsciiDigitsIsIgnored(String line) {
      Parsed parsed = parse("retry: 42\n" + line + "\n");
      assertThat(parsed.retryMillis()).isEqualTo(42);
      assertThat(parsed.retries()).containsExactly(42L);
    }

    @Test
    void listenersNeedNotHandleRetry() {
      List<SseEvent> events = new ArrayList<>();
      SseParser parser = new SseParser(events::add);
      byte[] in = utf8("retry: 10\ndata: x\n\n");
      parser.feed(in, 0, in.length);
      assertThat(parser.retryMillis()).isEqualTo(10);
      assertThat(events).containsExactly(message("x"));
    }
  }

  @Nested
  class EndOfStream {

    @Test
    void anUnterminatedLineAndAnUndispatchedEventAreDiscarded() {
      assertThat(parse("data: a\n\ndata: b").events()).containsExactly(message("a"));
      assertThat(parse("data: a\n\ndata: b\n").events()).containsExactly(message("a"));
    }

    @Test
    void feedAfterEndIsRejectedAndEndAgainIsHarmless() {
      SseParser parser = new SseParser(e -> {});
      parser.end();
      parser.end();
      assertThatThrownBy(() -> parser.feed(new byte[1], 0, 1)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Nested
  class SizeLimits {

    @Test
    void letsGoOfBuffersGrownForOneLargeEventOnceItIsDispatched() {
      List<SseEvent> events = new ArrayList<>();
      SseParser parser = new SseParser(events::add);
      String large = "x".repeat(SseParser.RETAINED_CAPACITY * 4);
      byte[] head = utf8("data: " + large.substring(0, 100));
      byte[] rest = utf8(large.substring(100) + "\n\ndata: small\n\n");
      parser.feed(head, 0, head.length); // the line starts in one read and ends in another: it is buffered
      parser.feed(rest, 0, rest.length);
      assertThat(events).containsExactly(message(large), message("small"));
      assertThat(parser.retainedBytes()).isLessThanOrEqualTo(SseParser.RETAINED_CAPACITY);
    }

    @Test
    void holdsNoBufferBetweenReadsUnlessAnEventIsSplitAcrossThem() {
      List<SseEvent> events = new ArrayList<>();
      SseParser parser = new SseParser(events::add);
      byte[] whole = utf8("event: delta\ndata: {\"a\":1}\n\n");
      parser.feed(whole, 0, whole.length);
      assertThat(parser.retainedBytes()).isZero();
      byte[] half = utf8("event: delta\ndata: {\"b\"");
      parser.feed(half, 0, half.length);
      assertThat(parser.retainedBytes()).isPositive(); // the unfinished event waits in its buffers
      byte[] rest = utf8(":2}\n\n");
      parser.feed(rest, 0, rest.length);
      assertThat(events).containsExactly(new SseEvent("delta", "{\"a\":1}", ""), new SseEvent("delta", "{\"b\":2}", ""));
      assertThat(parser.retainedBytes()).isZero();
    }

    @Test
    void readsADirectBufferLargerThanItsWindowIntact() {
      List<SseEvent> events = new ArrayList<>();
      SseParser parser = new SseParser(events::add);
      var expected = new ArrayList<SseEvent>();
      var stream = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        String value = "{\"delta\":\"chunk " + i + " " + "é✓".repeat(i % 37) + "\"}";
        expected.add(message(value));
        stream.append("data: ").append(value).append("\n\n");
      }
      byte[] bytes = utf8(stream.toString());
      ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
      parser.feed(direct);
      assertThat(events).isEqualTo(expected);
      assertThat(parser.retainedBytes()).isLessThanOrEqualTo(SseParser.SCRATCH_CAPACITY + SseParser.RETAINED_CAPACITY);
    }

    @Test
    void aLineOfExactlyTheMaximumIsAccepted() {
      List<SseEvent> events = new ArrayList<>();
      SseParser parser = new SseParser(events::add, 16);
      byte[] in = utf8("data: 0123456789\n\n"); // a 16-byte line
      parser.feed(in, 0, in.length);
      assertThat(events).containsExactly(message("0123456789"));
    }

    @Test
    void aLineLongerThanTheMaximumThrowsWhetherWholeOrSplit() {
      byte[] in = utf8("data: 0123456789A\n\n"); // a 17-byte line
      assertThatThrownBy(() -> new SseParser(e -> {}, 16).feed(in, 0, in.length))
          .isInstanceOf(SseException.class).hasMessage("line longer than 16 bytes");
      SseParser split = new SseParser(e -> {}, 16);
      for (int i = 0; i < 16; i++) split.feed(in, i, 1);
      assertThatThrownBy(() -> split.feed(in, 16, 1)).isInstanceOf(SseException.class);
    }

    @Test
    void aLongCommentCountsAsALongLine() {
      byte[] in = utf8(":" + "x".repeat(16) + "\n");
      assertThatThrownBy(() -> new SseParser(e -> {}, 16).feed(in, 0, in.length)).isInstanceOf(SseException.class);
    }

    @Test
    void eventDataIsLimitedAcrossShortLines() {
      // 8 + LF + 7 = 16 bytes of data: accepted. 8 + LF + 8 = 17: rejected.
      List<SseEvent> events = new ArrayList<>();
      byte[] fits = utf8("data: 12345678\ndata: 1234567\n\n");
      new SseParser(events::add, 16).feed(fits, 0, fits.length);
      assertThat(events).containsExactly(message("12345678\n1234567"));

      byte[] over = utf8("data: 12345678\ndata: 12345678\n");
      assertThatThrownBy(() -> new SseParser(e -> {}, 16).feed(over, 0, over.length))
          .isInstanceOf(SseException.class).hasMessage("event data longer than 16 bytes");
    }

    @Test
    void afterALimitIsHitTheParserRefusesInput() {
      SseParser parser = new SseParser(e -> {}, 4);
      byte[] in = utf8("data: x\n\n");
      assertThatThrownBy(() -> parser.feed(in, 0, in.length)).isInstanceOf(SseException.class);
      assertThatThrownBy(() -> parser.feed(in, 0, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theDefaultLimitIsSixteenMebibytes() {
      List<SseEvent> events = new ArrayList<>();
      SseParser parser = new SseParser(events::add);
      byte[] head = utf8("data:");
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) 'x');
      parser.feed(head, 0, head.length);
      int remaining = SseParser.DEFAULT_MAX_EVENT_BYTES - head.length;
      while (remaining > 0) {
        int n = Math.min(remaining, chunk.length);
        parser.feed(chunk, 0, n);
        remaining -= n;
      }
      assertThatThrownBy(() -> parser.feed(chunk, 0, 1)).isInstanceOf(SseException.class);
    }

    @Test
    void constructorRejectsAnUnusableLimitOrListener() {
      assertThatThrownBy(() -> new SseParser(e -> {}, 0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new SseParser(e -> {}, (1 << 30) + 1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new SseParser(null)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class CallerContract {

    @Test
    void feedReadsOnlyTheGivenRange() {
      List<SseEvent> events = new ArrayList<>();
      SseParser parser = new SseParser(events::add);
      byte[] buf = utf8("data: NOT\n\ndata: yes\n\ndata: NOT\n\n");
      parser.feed(buf, 11, 11);
      assertThat(events).containsExactly(message("yes"));
      assertThatThrownBy(() -> parser.feed(buf, 30, 10)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> parser.feed(buf, -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void feedingAHeapBufferReadsFromItsPositionToItsLimitAndConsumesIt() {
      List<SseEvent> events = new ArrayList<>();
      SseParser parser = new SseParser(events::add);
      ByteBuffer backing = ByteBuffer.wrap(utf8("data: NOT\n\ndata: yes\n\ndata: NOT\n\n"));
      ByteBuffer slice = backing.position(5).slice(); // arrayOffset 5
      slice.position(6).limit(17);
      parser.feed(slice);
      assertThat(events).containsExactly(message("yes"));
      assertThat(slice.remaining()).isZero();
    }

    @Test
    void feedingAReadOnlyBufferCopiesItInPieces() {
      List<SseEvent> events = new ArrayList<>();
      SseParser parser = new SseParser(events::add);
      String big = "x".repeat(20_000);
      ByteBuffer in = ByteBuffer.wrap(utf8("data: " + big + "\n\n")).asReadOnlyBuffer();
      parser.feed(in);
      assertThat(events).containsExactly(message(big));
      assertThat(in.hasRemaining()).isFalse();
    }

    @Test
    void anExceptionFromTheListenerPropagatesUnchanged() {
      IllegalStateException boom = new IllegalStateException("boom");
      SseParser parser = new SseParser(e -> {
        throw boom;
      });
      byte[] in = utf8("data: x\n\n");
      assertThatThrownBy(() -> parser.feed(in, 0, in.length)).isSameAs(boom);
    }

    @Test
    void aListenerMayNotFeedOrEndItsOwnParser() {
      SseParser[] parser = new SseParser[1];
      byte[] in = utf8("data: x\n\n");
      parser[0] = new SseParser(e -> parser[0].feed(in, 0, in.length));
      assertThatThrownBy(() -> parser[0].feed(in, 0, in.length))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("from a listener");
      SseParser[] ending = new SseParser[1];
      ending[0] = new SseParser(e -> ending[0].end());
      assertThatThrownBy(() -> ending[0].feed(in, 0, in.length)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theParserKeepsWorkingAfterLargeEventsReleaseTheirBuffers() {
      String big = "y".repeat(200_000);
      byte[] in = utf8("event: " + big + "\ndata: " + big + "\n\ndata: small\n\n");
      Parsed whole = parseWhole(in);
      assertThat(whole.events()).containsExactly(new SseEvent(big, big, ""), message("small"));
      List<byte[]> reads = new ArrayList<>();
      for (int i = 0; i < in.length; i += 8192) reads.add(Arrays.copyOfRange(in, i, Math.min(in.length, i + 8192)));
      assertThat(parseChunks(reads)).isEqualTo(whole);
    }

    @Test
    void eventsRequireEveryField() {
      assertThatThrownBy(() -> new SseEvent(null, "", "")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new SseEvent("message", null, "")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new SseEvent("message", "", null)).isInstanceOf(IllegalArgumentException.class);
      assertThat(SseEvent.message("d")).isEqualTo(new SseEvent("message", "d", ""));
    }
  }
}
