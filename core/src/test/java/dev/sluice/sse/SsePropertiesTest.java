package dev.sluice.sse;

import static dev.sluice.sse.SseTestSupport.parseByteByByte;
import static dev.sluice.sse.SseTestSupport.parseChunks;
import static dev.sluice.sse.SseTestSupport.parseWhole;
import static dev.sluice.sse.SseTestSupport.show;
import static dev.sluice.sse.SseTestSupport.split;
import static dev.sluice.sse.SseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sse.SseTestSupport.Parsed;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Properties of the parser and the writer over random input (see {@link RandomCases}). */
class SsePropertiesTest {

  private static final int TRIES = 1000;

  /** What a line starts with: a field name and colon (well- or ill-formed), a comment, or nothing. */
  private static final byte[][] LINE_STARTS = {
    utf8("data:"), utf8("data: "), utf8("data:  "), utf8("data"), utf8("event:"), utf8("event: "), utf8("event"),
    utf8("id:"), utf8("id: "), utf8("id"), utf8("retry:"), utf8("retry: "), utf8("Data:"), utf8("data :"),
    utf8("foo:"), utf8(":"), utf8(" "), utf8(""),
  };
  /** Pieces of values, including stray line breaks, multi-byte characters, a BOM and invalid UTF-8. */
  private static final byte[][] VALUE_TOKENS = {
    utf8("x"), utf8("hello"), utf8("0"), utf8("42"), utf8("9x"), utf8(" "), utf8("\t"), utf8(":"), utf8("\0"),
    utf8("data: "), utf8("message"), utf8("[DONE]"), utf8("{\"a\":1}"), utf8("\r"), utf8("\n"),
    utf8("é"), utf8("✓"), utf8("🎉"),
    SseTestSupport.bytes(0xEF, 0xBB, 0xBF), SseTestSupport.bytes(0xEF, 0xBB), SseTestSupport.bytes(0x80),
    SseTestSupport.bytes(0xFF), SseTestSupport.bytes(0xC0, 0xAF), SseTestSupport.bytes(0xED, 0xA0, 0x80),
    SseTestSupport.bytes(0xF0, 0x9F, 0x8E), SseTestSupport.bytes(0xE2, 0x82),
  };
  private static final byte[][] LINE_ENDS = {utf8("\n"), utf8("\r"), utf8("\r\n")};
  private static final byte[] BOM = SseTestSupport.bytes(0xEF, 0xBB, 0xBF);

  /** Chars that matter to framing or decoding, drawn often: line breaks, separators, NUL, BOM, U+FFFD, NEL, LS. */
  private static final int[] SPECIAL_CHARS = {'\n', '\r', ':', ' ', '\0', '\t', 0xFEFF, 0xFFFD, 0x85, 0x2028};

  @Test
  void anySplitOfAStreamGivesTheSameResultAsFeedingItWhole() {
    RandomCases.forAll(TRIES, r -> new Split(randomStream(r), randomCuts(r)), Split::toString, c -> {
      Parsed whole = parseWhole(c.stream());
      assertThat(parseChunks(split(c.stream(), c.cuts()))).isEqualTo(whole);
      assertThat(parseByteByByte(c.stream())).isEqualTo(whole);
    });
  }

  @Test
  void parserAgreesWithAReferenceThatDecodesTheWholeStreamFirst() {
    RandomCases.forAll(TRIES, SsePropertiesTest::randomStream, SseTestSupport::show,
        stream -> assertThat(parseWhole(stream)).isEqualTo(ReferenceInterpreter.interpret(stream)));
  }

  @Test
  void parsingWhatIsWrittenGivesBackTheEventsWhenDataHasNoCr() {
    RandomCases.forAll(TRIES, r -> randomItems(r, false), Object::toString, items -> {
      byte[] stream = write(items);
      List<byte[]> reads = split(stream, new SplittableRandom(stream.length).ints(3, 0, stream.length + 1).toArray());
      Parsed parsed = parseChunks(reads);
      assertThat(parsed.events()).as(show(stream)).containsExactlyElementsOf(expectedEvents(items, false));
      assertThat(parsed.retries())
          .containsExactlyElementsOf(items.stream().map(Item::retry).filter(x -> x != null).toList());
    });
  }

  @Test
  void parsingWhatIsWrittenGivesBackDataWithCrAndCrlfTurnedIntoLf() {
    RandomCases.forAll(TRIES, r -> randomItems(r, true), Object::toString, items -> {
      byte[] stream = write(items);
      assertThat(parseWhole(stream).events()).as(show(stream)).containsExactlyElementsOf(expectedEvents(items, true));
    });
  }

  /** The writer's bytes against the framing spelled out with plain string operations. */
  @Test
  void writerOutputIsTheObviousFramingFromStringsAndFromBytes() {
    RandomCases.forAll(TRIES, r -> randomItems(r, true), Object::toString, items -> {
      StringBuilder expected = new StringBuilder();
      for (Item item : items) {
        if (item.comment() != null) expected.append(lines(": ", item.comment()));
        if (item.retry() != null) expected.append("retry: ").append(item.retry()).append('\n');
        if (item.type() != null && !item.type().isEmpty() && !item.type().equals("message")) {
          expected.append("event: ").append(item.type()).append('\n');
        }
        if (item.id() != null) expected.append("id: ").append(item.id()).append('\n');
        expected.append(lines("data: ", item.data())).append('\n');
      }
      assertThat(write(items)).isEqualTo(utf8(expected.toString()));
    });
  }

  /** {@code prefix + line + "\n"} for each line of {@code s}, where CRLF, CR and LF each end a line. */
  private static String lines(String prefix, String s) {
    StringBuilder out = new StringBuilder(prefix);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\r' || c == '\n') {
        if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
        out.append('\n').append(prefix);
      } else {
        out.append(c);
      }
    }
    return out.append('\n').toString();
  }

  @Test
  void whatwgDecoderAgreesWithTheSpecTranscription() {
    RandomCases.forAll(TRIES * 10, SsePropertiesTest::randomStream, SseTestSupport::show,
        b -> assertThat(Utf8.decodeWhatwg(b, 0, b.length)).isEqualTo(ReferenceInterpreter.whatwgDecode(b, 0)));
  }

  // --- generators

  record Split(byte[] stream, int[] cuts) {
    @Override
    public String toString() {
      return show(stream) + " cut at " + Arrays.toString(cuts);
    }
  }

  /**
   * One writer call: an optional comment and retry line before an event. Null type/id mean none; the
   * data path (String or UTF-8 bytes) is picked at random too.
   */
  record Item(String comment, Long retry, String type, String id, String data, boolean asBytes) {}

  /**
   * A stream of mostly line-shaped pieces: a line start, a few value tokens (which may hold stray CRs
   * and LFs), a line end, and often a blank line after; sometimes a leading BOM, sometimes an unfinished
   * last line.
   */
  static byte[] randomStream(SplittableRandom r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (r.nextInt(4) == 0) out.writeBytes(BOM);
    int lines = r.nextInt(12);
    for (int i = 0; i < lines; i++) {
      out.writeBytes(LINE_STARTS[r.nextInt(LINE_STARTS.length)]);
      for (int j = r.nextInt(5); j > 0; j--) out.writeBytes(VALUE_TOKENS[r.nextInt(VALUE_TOKENS.length)]);
      if (i == lines - 1 && r.nextInt(4) == 0) break; // end of stream inside a line
      out.writeBytes(LINE_ENDS[r.nextInt(LINE_ENDS.length)]);
      if (r.nextInt(3) == 0) out.writeBytes(LINE_ENDS[r.nextInt(LINE_ENDS.length)]);
    }
    return out.toByteArray();
  }

  static int[] randomCuts(SplittableRandom r) {
    return r.ints(r.nextInt(9), 0, 1 << 16).toArray();
  }

  static List<Item> randomItems(SplittableRandom r, boolean dataMayHoldCr) {
    List<Item> items = new ArrayList<>();
    int n = r.nextInt(8);
    for (int i = 0; i < n; i++) {
      String comment = r.nextInt(4) == 0 ? text(r, 10, "") : null;
      Long retry = r.nextInt(6) != 0 ? null
          : r.nextBoolean() ? r.nextLong(0, 100_000) : r.nextLong(0, Long.MAX_VALUE);
      String type = switch (r.nextInt(6)) {
        case 0, 1 -> null;
        case 2 -> "";
        case 3 -> "message";
        default -> text(r, 12, "\r\n");
      };
      String id = r.nextInt(3) == 0 ? text(r, 8, "\r\n\0") : null;
      String data = text(r, 40, dataMayHoldCr ? "" : "\r");
      items.add(new Item(comment, retry, type, id, data, r.nextBoolean()));
    }
    return items;
  }

  /** Random valid text (no unpaired surrogates) with framing characters drawn often, minus {@code forbidden}. */
  static String text(SplittableRandom r, int maxLength, String forbidden) {
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(maxLength + 1);
    while (sb.length() < n) {
      int kind = r.nextInt(20);
      int cp;
      if (kind < 10) cp = r.nextInt(0x20, 0x7F);
      else if (kind < 15) cp = SPECIAL_CHARS[r.nextInt(SPECIAL_CHARS.length)];
      else if (kind < 18) cp = r.nextInt(0x80, 0xD800);
      else if (kind < 19) cp = r.nextInt(0xE000, 0x10000);
      else cp = r.nextInt(0x10000, 0x110000);
      if (forbidden.indexOf(cp) < 0) sb.appendCodePoint(cp);
    }
    return sb.toString();
  }

  static byte[] write(List<Item> items) {
    SseWriter writer = new SseWriter(16);
    for (Item item : items) {
      if (item.comment() != null) writer.comment(item.comment());
      if (item.retry() != null) writer.retry(item.retry());
      if (item.asBytes()) {
        byte[] data = utf8(item.data());
        writer.event(item.type(), item.id(), data, 0, data.length);
      } else {
        writer.event(item.type(), item.id(), item.data());
      }
    }
    return writer.toByteArray();
  }

  static List<SseEvent> expectedEvents(List<Item> items, boolean normalizeCr) {
    List<SseEvent> events = new ArrayList<>();
    String lastId = "";
    for (Item item : items) {
      if (item.id() != null) lastId = item.id();
      String type = item.type() == null || item.type().isEmpty() ? "message" : item.type();
      String data = normalizeCr ? item.data().replace("\r\n", "\n").replace('\r', '\n') : item.data();
      events.add(new SseEvent(type, data, lastId));
    }
    return events;
  }

  @Test
  void generatorsProduceWhatThePropertiesNeed() {
    // Guards the properties against a generator that quietly stops producing the interesting cases.
    SplittableRandom r = new SplittableRandom(RandomCases.DEFAULT_SEED);
    int withEvents = 0;
    int withCrInData = 0;
    for (int i = 0; i < 200; i++) {
      if (!parseWhole(randomStream(r)).events().isEmpty()) withEvents++;
      if (randomItems(r, true).stream().anyMatch(it -> it.data().indexOf('\r') >= 0)) withCrInData++;
    }
    assertThat(withEvents).as("random streams that dispatch something").isGreaterThan(50);
    assertThat(withCrInData).as("item lists with CR in some data").isGreaterThan(50);
  }
}
