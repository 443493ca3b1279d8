package dev.sluice.server.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal file: rows back in order, whatever a crash left at its end; bounded; one gateway at a time. */
class JournalTest {
  @TempDir
  Path dir;

  @Test
  void givesItsRowsBackInOrderAfterReopening() throws Exception {
    Path file = dir.resolve("ledger.journal");
    try (Journal journal = Journal.open(file, 1 << 20)) {
      assertThat(journal.append(List.of(LedgerWriterTest.row("req_1"), LedgerWriterTest.row("req_2")))).isEqualTo(2);
      assertThat(journal.append(List.of(LedgerWriterTest.row("req_3")))).isEqualTo(1);
    }
    try (Journal journal = Journal.open(file, 1 << 20)) {
      assertThat(journal.rows()).isEqualTo(3);
      Journal.Chunk first = journal.read(0, 2);
      assertThat(first.rows()).extracting(LedgerRow::requestId).containsExactly("req_1", "req_2");
      assertThat(first.rows().getFirst()).isEqualTo(LedgerWriterTest.row("req_1"));
      Journal.Chunk rest = journal.read(first.next(), 2);
      assertThat(rest.rows()).extracting(LedgerRow::requestId).containsExactly("req_3");
      assertThat(rest.next()).isEqualTo(journal.bytes());
    }
  }

  @Test
  void cutsOffARowWhoseAppendACrashCutShort() throws Exception {
    Path file = dir.resolve("ledger.journal");
    try (Journal journal = Journal.open(file, 1 << 20)) {
      journal.append(List.of(LedgerWriterTest.row("req_1")));
    }
    long whole = Files.size(file);
    byte[] half = Journal.encode(LedgerWriterTest.row("req_2"));
    Files.write(file, Arrays.copyOf(half, half.length / 2), StandardOpenOption.APPEND);
    try (Journal journal = Journal.open(file, 1 << 20)) {
      assertThat(journal.rows()).isEqualTo(1);
      assertThat(journal.bytes()).isEqualTo(whole);
      assertThat(Files.size(file)).isEqualTo(whole);
      assertThat(journal.read(0, 10).rows()).extracting(LedgerRow::requestId).containsExactly("req_1");
    }
  }

  @Test
  void skipsADamagedLineAndKeepsTheRest() throws Exception {
    Path file = dir.resolve("ledger.journal");
    Files.write(file, Journal.encode(LedgerWriterTest.row("req_1")));
    Files.write(file, "00000000 {\"requestId\":\"forged\"}\n".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    Files.write(file, Journal.encode(LedgerWriterTest.row("req_3")), StandardOpenOption.APPEND);
    try (Journal journal = Journal.open(file, 1 << 20)) {
      assertThat(journal.read(0, 10).rows()).extracting(LedgerRow::requestId).containsExactly("req_1", "req_3");
    }
  }

  @Test
  void takesNoRowPastItsLimit() throws Exception {
    int line = Journal.encode(LedgerWriterTest.row("req_1")).length;
    try (Journal journal = Journal.open(dir.resolve("ledger.journal"), 2L * line)) {
      assertThat(journal.append(List.of(LedgerWriterTest.row("req_1"), LedgerWriterTest.row("req_2"),
          LedgerWriterTest.row("req_3")))).isEqualTo(2);
      assertThat(journal.append(List.of(LedgerWriterTest.row("req_4")))).isZero();
      assertThat(journal.bytes()).isEqualTo(2L * line);
      journal.clear();
      assertThat(journal.isEmpty()).isTrue();
      assertThat(journal.append(List.of(LedgerWriterTest.row("req_4")))).isEqualTo(1);
    }
  }

  @Test
  void isNeverSharedByTwoGateways() throws Exception {
    Path file = dir.resolve("ledger.journal");
    try (Journal journal = Journal.open(file, 1 << 20)) {
      assertThatThrownBy(() -> Journal.open(file, 1 << 20)).isInstanceOf(IOException.class)
          .hasMessageContaining("in use by another gateway");
    }
  }
}
