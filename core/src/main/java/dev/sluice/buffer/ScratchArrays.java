package dev.sluice.buffer;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Byte arrays that a stream borrows only while it has bytes in hand (a read being parsed, a chunk
 * being encoded, a batch being written) and gives back before it waits again: a held stream, which
 * waits far longer than it works, then keeps no buffer of its own. Measured with {@code ./sluice bench
 * --only-held --histo 1000}: the SSE parser's data buffer, the client channel's batch and the
 * encoders' JSON buffer were 256 to 512 bytes each for every held stream, idle between chunks.
 *
 * <p>The pool is shared and small: only as many arrays are out as streams are working at once (about
 * one per core, plus those blocked in a write to a slow client), and past {@link #SLOTS} idle ones a
 * returned array is dropped. Borrowing and giving back allocate nothing and take no lock: each is a
 * scan of the slots with one atomic swap.
 */
public final class ScratchArrays {
  /** The length of every pooled array: a few typical events, so most chunks never grow one. */
  public static final int SIZE = 4 * 1024;
  /** Idle arrays kept at most: {@code SLOTS * SIZE} bytes. */
  static final int SLOTS = 64;

  private static final AtomicReferenceArray<byte[]> IDLE = new AtomicReferenceArray<>(SLOTS);

  private ScratchArrays() {}

  /**
   * An array of at least {@code length} bytes: a pooled one of {@link #SIZE} if {@code length} fits
   * in it, else a new one of exactly {@code length}. Its contents are unspecified.
   */
  public static byte[] borrow(int length) {
    if (length > SIZE) return new byte[length];
    int start = start();
    for (int i = 0; i < SLOTS; i++) {
      int slot = (start + i) & (SLOTS - 1);
      if (IDLE.getPlain(slot) == null) continue;
      byte[] array = IDLE.getAndSet(slot, null);
      if (array != null) return array;
    }
    return new byte[SIZE];
  }

  /**
   * Gives back an array that came from {@link #borrow} and that nothing reads any more; arrays of
   * another length (grown for one large value) and any past the pool's capacity are left to the GC.
   */
  public static void giveBack(byte[] array) {
    if (array.length != SIZE) return;
    int start = start();
    for (int i = 0; i < SLOTS; i++) {
      int slot = (start + i) & (SLOTS - 1);
      if (IDLE.getPlain(slot) == null && IDLE.compareAndSet(slot, null, array)) return;
    }
  }

  /** Idle arrays in the pool now (tests). */
  static int idle() {
    int n = 0;
    for (int i = 0; i < SLOTS; i++) {
      if (IDLE.get(i) != null) n++;
    }
    return n;
  }

  /** Where a thread starts its scan: threads spread over the slots rather than all fight for the first. */
  private static int start() {
    return (int) Thread.currentThread().threadId() & (SLOTS - 1);
  }
}
