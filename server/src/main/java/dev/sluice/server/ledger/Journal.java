package dev.sluice.server.ledger;

import com.fasterxml.jackson.core.JacksonException;
import dev.sluice.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of ledger rows: one line per row, its CRC-32 in hex, a space, the row as JSON.
 * Each append is fsynced before it returns, so a row the journal took survives a crash of the process
 * and of the machine. A line whose append a crash cut short (it was never acknowledged) is cut off when
 * the file is opened again; a damaged line elsewhere is logged and skipped. The file is bounded: rows
 * that would take it past its limit are not written (the caller refuses them).
 *
 * <p>The file is locked while open, so two gateways never share one journal. Writes go through
 * {@link RandomAccessFile}, not a {@code FileChannel}: an interrupt must not close the journal.
 * One thread writes; {@link #bytes()} and {@link #rows()} may be read from any.
 */
final class Journal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Journal.class);
  /** How much one {@link #read} takes in (rows are well under a KiB each). */
  private static final int READ_BYTES = 1 << 20;

  /** Rows read from the journal, and where the next read starts. */
  record Chunk(List<LedgerRow> rows, long next) {}

  private final Path path;
  private final long maxBytes;
  private final RandomAccessFile file;
  private final FileLock lock;
  private volatile long bytes;
  private volatile long rows;

  private Journal(Path path, long maxBytes, RandomAccessFile file, FileLock lock) {
    this.path = path;
    this.maxBytes = maxBytes;
    this.file = file;
    this.lock = lock;
  }

  /** Opens (or creates) the journal at {@code path}, cutting off a torn last line. */
  static Journal open(Path path, long maxBytes) throws IOException {
    Path folder = path.toAbsolutePath().getParent();
    Files.createDirectories(folder);
    boolean created = !Files.exists(path);
    var file = new RandomAccessFile(path.toFile(), "rw");
    try {
      FileLock lock;
      try {
        lock = file.getChannel().tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IOException("it is in use by another gateway (each needs its own)");
      }
      if (created) syncFolder(folder);
      var journal = new Journal(path, maxBytes, file, lock);
      journal.recover();
      return journal;
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }

  Path path() {
    return path;
  }

  long maxBytes() {
    return maxBytes;
  }

  /** Bytes in the journal now. */
  long bytes() {
    return bytes;
  }

  /** Rows in the journal now. */
  long rows() {
    return rows;
  }

  boolean isEmpty() {
    return bytes == 0;
  }

  /**
   * Appends {@code batch} in order and fsyncs. Returns how many rows were taken: all of them, or
   * fewer when the next would take the file past its limit (the rest are not written).
   */
  int append(List<LedgerRow> batch) throws IOException {
    var out = new ByteArrayOutputStream();
    int taken = 0;
    for (LedgerRow row : batch) {
      byte[] line = encode(row);
      if (bytes + out.size() + line.length > maxBytes) break;
      out.write(line);
      taken++;
    }
    if (taken == 0) return 0;
    file.seek(bytes);
    file.write(out.toByteArray());
    file.getFD().sync();
    bytes += out.size();
    rows += taken;
    return taken;
  }

  /** Up to {@code max} rows from byte {@code offset} (a previous chunk's {@code next}, or 0). */
  Chunk read(long offset, int max) throws IOException {
    int length = (int) Math.min(READ_BYTES, bytes - offset);
    byte[] buffer = new byte[Math.max(0, length)];
    file.seek(offset);
    file.readFully(buffer);
    var found = new ArrayList<LedgerRow>();
    int start = 0;
    for (int i = 0; i < buffer.length && found.size() < max; i++) {
      if (buffer[i] != '\n') continue;
      LedgerRow row = decode(buffer, start, i);
      if (row != null) found.add(row);
      start = i + 1;
    }
    return new Chunk(found, offset + start);
  }

  /** Empties the journal (every row in it is in the database now). */
  void clear() throws IOException {
    file.setLength(0);
    file.getFD().sync();
    bytes = 0;
    rows = 0;
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      file.close();
    }
  }

  /** Counts the rows and cuts off a last line that a crash left unfinished. */
  private void recover() throws IOException {
    long length = file.length();
    bytes = length;
    long good = 0;
    long count = 0;
    while (good < length) {
      Chunk chunk = read(good, Integer.MAX_VALUE);
      if (chunk.next() == good) break;
      count += chunk.rows().size();
      good = chunk.next();
    }
    if (good < length) {
      log.warn("ledger journal {}: cutting off {} bytes of a row whose append never completed (it was never"
          + " acknowledged)", path, length - good);
      file.setLength(good);
      file.getFD().sync();
    }
    bytes = good;
    rows = count;
  }

  static byte[] encode(LedgerRow row) {
    byte[] json;
    try {
      json = Json.MAPPER.writeValueAsBytes(row);
    } catch (JacksonException e) {
      throw new IllegalStateException("a ledger row could not be written as JSON", e);
    }
    var crc = new CRC32();
    crc.update(json);
    byte[] prefix = (HexFormat.of().toHexDigits((int) crc.getValue()) + " ").getBytes(StandardCharsets.US_ASCII);
    byte[] line = new byte[prefix.length + json.length + 1];
    System.arraycopy(prefix, 0, line, 0, prefix.length);
    System.arraycopy(json, 0, line, prefix.length, json.length);
    line[line.length - 1] = '\n';
    return line;
  }

  /** The row on {@code buffer[start, end)}, or null (logged) when the line is damaged. */
  private LedgerRow decode(byte[] buffer, int start, int end) {
    String line = new String(buffer, start, end - start, StandardCharsets.UTF_8);
    try {
      if (line.length() > 9 && line.charAt(8) == ' ') {
        var crc = new CRC32();
        crc.update(buffer, start + 9, end - start - 9);
        if (HexFormat.of().toHexDigits((int) crc.getValue()).equals(line.substring(0, 8))) {
          return Json.MAPPER.readValue(buffer, start + 9, end - start - 9, LedgerRow.class);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Logged below with the line itself.
    }
    log.error("ledger journal {}: skipping a damaged line (kept in the file until the journal is replayed): {}",
        path, line);
    return null;
  }

  /** Makes the new file's entry in its folder durable too (Linux needs the folder fsynced). */
  private static void syncFolder(Path folder) {
    try (var dir = FileChannel.open(folder, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      log.debug("cannot fsync the folder {}: {}", folder, e.toString());
    }
  }
}
