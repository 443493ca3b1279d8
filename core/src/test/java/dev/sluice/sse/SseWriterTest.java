package dev.sluice.sse;

import static dev.sluice.sse.SseTestSupport.bytes;
import static dev.sluice.sse.SseTestSupport.concat;
import static dev.sluice.sse.SseTestSupport.parseWhole;
import static dev.sluice.sse.SseTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SseWriterTest {

  private static String written(SseWriter writer) {
    return new String(writer.toByteArray(), StandardCharsets.UTF_8);
  }

  @Test
  void writesTypeIdAndDataLinesWithSpaceAndLfThenABlankLine() {
    assertThat(written(new SseWriter().event("add", "7", "73857293")))
        .isEqualTo("event: add\nid: 7\ndata: 73857293\n\n");
    assertThat(written(new SseWriter().data("{\"a\":1}"))).isEqualTo("data: {\"a\":1}\n\n");
  }

  @Test
  void theDefaultTypeWritesNoEventLine() {
    assertThat(written(new SseWriter().event(null, null, "x"))).isEqualTo("data: x\n\n");
    assertThat(written(new SseWriter().event("", null, "x"))).isEqualTo("data: x\n\n");
    assertThat(written(new SseWriter().event("message", null, "x"))).isEqualTo("data: x\n\n");
  }

  @Test
  void anEmptyIdIsWrittenBecauseItResetsTheClientsLastEventId() {
    assertThat(written(new SseWriter().event(null, "", "x"))).isEqualTo("id: \ndata: x\n\n");
  }

  @Test
  void emptyDataIsStillAnEvent() {
    assertThat(written(new SseWriter().data(""))).isEqualTo("data: \n\n");
    assertThat(parseWhole(new SseWriter().data("").toByteArray()).events()).containsExactly(SseEvent.message(""));
  }

  @Test
  void everyKindOfLineBreakInDataStartsANewDataLine() {
    assertThat(written(new SseWriter().data("a\nb\r\nc\rd\n")))
        .isEqualTo("data: a\ndata: b\ndata: c\ndata: d\ndata: \n\n");
    assertThat(written(new SseWriter().data("\r\r\n"))).isEqualTo("data: \ndata: \ndata: \n\n");
  }

  @Test
  void dataThatLooksLikeFieldsStaysOneEventWithExactlyThatData() {
    String hostile = "\n\ndata: x\nevent: evil\n";
    byte[] stream = new SseWriter().event("real", "1", hostile).data("after").toByteArray();
    assertThat(parseWhole(stream).events())
        .containsExactly(new SseEvent("real", hostile, "1"), new SseEvent("message", "after", "1"));
  }

  @Test
  void crOnlyInjectionIsNeutralizedToo() {
    String hostile = "a\r\revent: evil\rid: 666\rdata: x";
    SseWriter writer = new SseWriter().data(hostile);
    assertThat(parseWhole(writer.toByteArray()).events())
        .containsExactly(SseEvent.message("a\n\nevent: evil\nid: 666\ndata: x"));
  }

  @Test
  void utf8DataBytesAreSplitOnTheSameLineBreaks() {
    byte[] hostile = utf8("é\r\nevent: evil\r\rx\n");
    assertThat(written(new SseWriter().data(hostile, 0, hostile.length)))
        .isEqualTo("data: é\ndata: event: evil\ndata: \ndata: x\ndata: \n\n");
    byte[] framed = concat(utf8("NOT"), utf8("json"), utf8("NOT"));
    assertThat(written(new SseWriter().event("t", null, framed, 3, 4))).isEqualTo("event: t\ndata: json\n\n");
    assertThatThrownBy(() -> new SseWriter().data(framed, 8, 4)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void malformedUtf8DataBytesCannotBreakTheFraming() {
    byte[] data = bytes(0xE2, '\n', 0xF0, 0x9F, '\r', 'x');
    byte[] stream = new SseWriter().data(data, 0, data.length).data("next").toByteArray();
    assertThat(parseWhole(stream).events())
        .containsExactly(SseEvent.message("\uFFFD\n\uFFFD\nx"), SseEvent.message("next"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\nb", "a\rb", "a\r\nb", "\n", "x\r"})
  void anIdOrTypeWithALineBreakIsRejectedAndNothingIsWritten(String bad) {
    SseWriter writer = new SseWriter().data("kept");
    byte[] before = writer.toByteArray();
    assertThatThrownBy(() -> writer.event(null, bad, "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
    assertThatThrownBy(() -> writer.event(bad, null, "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("event type");
    assertThatThrownBy(() -> writer.event("ok", bad, utf8("x"), 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(writer.toByteArray()).isEqualTo(before);
  }

  @Test
  void anIdWithNulIsRejectedBecauseParsersWouldIgnoreIt() {
    assertThatThrownBy(() -> new SseWriter().event(null, "a\0b", "x")).isInstanceOf(IllegalArgumentException.class);
    assertThat(written(new SseWriter().event("a\0b", null, "x"))).isEqualTo("event: a\0b\ndata: x\n\n");
  }

  @Test
  void nullDataIsRejected() {
    assertThatThrownBy(() -> new SseWriter().data((String) null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aMultiLineCommentBecomesOneCommentLinePerLine() {
    SseWriter writer = new SseWriter().comment("keep\nalive\r\n\rend").comment("");
    assertThat(written(writer)).isEqualTo(": keep\n: alive\n: \n: end\n: \n");
    assertThat(parseWhole(writer.data("x").toByteArray()).events()).containsExactly(SseEvent.message("x"));
  }

  @Test
  void retryWritesDigitsAndRejectsNegatives() {
    SseWriter writer = new SseWriter().retry(0).retry(Long.MAX_VALUE);
    assertThat(written(writer)).isEqualTo("retry: 0\nretry: 9223372036854775807\n");
    assertThat(parseWhole(writer.toByteArray()).retries()).containsExactly(0L, Long.MAX_VALUE);
    assertThatThrownBy(() -> writer.retry(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void encodesEveryUnicodePlaneAndUnpairedSurrogatesAsTheJdkDoes() {
    String valid = "aé✓🎉\u0000\u007F\u0080\u07FF\u0800\uFFFF\uD800\uDC00\uDBFF\uDFFF";
    assertThat(new SseWriter().data(valid).toByteArray()).isEqualTo(utf8("data: " + valid + "\n\n"));
    assertThat(written(new SseWriter().data("a\uD800b\uDC00c\uD83D"))).isEqualTo("data: a?b?c?\n\n");
    assertThat(written(new SseWriter().event("\uDC00", "\uD800", "x"))).isEqualTo("event: ?\nid: ?\ndata: x\n\n");
  }

  @Test
  void theBufferGrowsFromTinyToLarge() {
    String big = "ж".repeat(50_000) + "\n" + "🎉".repeat(20_000);
    SseWriter writer = new SseWriter(1).event("t", "i", big);
    assertThat(parseWhole(writer.toByteArray()).events()).containsExactly(new SseEvent("t", big, "i"));
    assertThatThrownBy(() -> new SseWriter(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void writeToHandsTheBufferToTheStreamInOneWriteAndEmptiesIt() throws IOException {
    List<byte[]> writes = new ArrayList<>();
    OutputStream out = new OutputStream() {
      @Override
      public void write(int b) {
        throw new AssertionError("single-byte write");
      }

      @Override
      public void write(byte[] b, int off, int len) {
        writes.add(Arrays.copyOfRange(b, off, off + len));
      }
    };
    SseWriter writer = new SseWriter(8).event("t", "1", "a\nb");
    writer.writeTo(out);
    assertThat(writer.size()).isZero();
    writer.data("c").writeTo(out);
    assertThat(writes).hasSize(2);
    assertThat(new String(writes.get(0), StandardCharsets.UTF_8)).isEqualTo("event: t\nid: 1\ndata: a\ndata: b\n\n");
    assertThat(new String(writes.get(1), StandardCharsets.UTF_8)).isEqualTo("data: c\n\n");
  }

  @Test
  void aFailedWriteStillEmptiesTheBufferWhileToByteArrayAndResetBehave() throws IOException {
    SseWriter writer = new SseWriter().data("x");
    OutputStream broken = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("closed");
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        throw new IOException("closed");
      }
    };
    assertThatThrownBy(() -> writer.writeTo(broken)).isInstanceOf(IOException.class);
    assertThat(writer.size()).isZero();

    writer.data("y");
    assertThat(writer.toByteArray()).isEqualTo(writer.toByteArray()).hasSize(writer.size());
    writer.reset();
    assertThat(writer.size()).isZero();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.data("z").writeTo(out);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("data: z\n\n");
  }

  @Test
  void encodeIsTheOneShotForm() {
    assertThat(SseWriter.encode("t", null, "a\nb")).isEqualTo(utf8("event: t\ndata: a\ndata: b\n\n"));
  }

  @Test
  void letsGoOfABufferGrownForOneLargeEventOnceItIsWritten() throws IOException {
    SseWriter writer = new SseWriter();
    int small = writer.capacity();
    var out = new ByteArrayOutputStream();
    writer.data("y".repeat(SseWriter.RETAINED_CAPACITY * 4)).writeTo(out);
    assertThat(writer.capacity()).isEqualTo(small);
    writer.data("z".repeat(SseWriter.RETAINED_CAPACITY * 4));
    int framed = writer.size();
    writer.reset();
    assertThat(writer.capacity()).isEqualTo(small);
    assertThat(out.size()).isEqualTo(framed);
    assertThat(written(writer.data("after"))).isEqualTo("data: after\n\n");
  }
}
