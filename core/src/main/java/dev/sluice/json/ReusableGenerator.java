package dev.sluice.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.RecyclerPool;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * A UTF-8 generator kept across documents, borrowed from a small shared pool for one per-chunk JSON
 * text and handed back: a chunk then makes no generator, context or I/O context of its own (about
 * 460 bytes a chunk, measured with the chunk benchmark). The pool is shared, not one per stream,
 * because a generator holds some 12 KiB of Jackson's buffers: only as many exist as chunks are
 * written at once, about one per core, since writing to memory never blocks.
 *
 * <p>Between documents the generator sits at the root, written out; with no root value separator the
 * next document's bytes are exactly those a fresh generator would write. One whose document failed
 * half-way is closed and dropped, never pooled.
 */
final class ReusableGenerator implements RecyclerPool.WithPool<ReusableGenerator> {

  /** Jackson's own bounded pool (an array queue); past its capacity a returned generator is dropped. */
  private static final class Pool extends RecyclerPool.BoundedPoolBase<ReusableGenerator> {
    private final JsonFactory factory;

    Pool(JsonFactory factory, int capacity) {
      super(capacity);
      this.factory = factory;
    }

    @Override
    public ReusableGenerator createPooled() {
      return new ReusableGenerator(factory);
    }
  }

  /** Capacity: a few per core covers every chunk written at once; more only if threads pile up. */
  private static final int CAPACITY = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
  private static final Pool POOL = new Pool(Json.FACTORY, CAPACITY);
  /** Generators that write a character outside the BMP as its four UTF-8 bytes (see {@link Json#writeLikeText}). */
  private static final Pool LIKE_TEXT_POOL = new Pool(Json.LIKE_TEXT_FACTORY, CAPACITY);

  /** Where the generator's bytes go: the borrowing stream's buffer, for one document at a time. */
  private final Target target = new Target();
  private final JsonGenerator generator;
  private RecyclerPool<ReusableGenerator> pool;

  private ReusableGenerator(JsonFactory factory) {
    try {
      generator = factory.createGenerator(target, JsonEncoding.UTF8);
    } catch (IOException e) {
      throw new UncheckedIOException("creating a generator over memory failed", e);
    }
    // Documents follow one another at the root: no separator, so each is written as if alone.
    generator.setRootValueSeparator(null);
  }

  /** Writes one JSON text with {@code body} into {@code out}, which is written to and not flushed. */
  static void write(OutputStream out, Json.JsonBody body) throws IOException {
    write(POOL, out, body);
  }

  /** As {@link #write}, with a generator of {@link Json#LIKE_TEXT_FACTORY}. */
  static void writeLikeText(OutputStream out, Json.JsonBody body) throws IOException {
    write(LIKE_TEXT_POOL, out, body);
  }

  private static void write(Pool pool, OutputStream out, Json.JsonBody body) throws IOException {
    ReusableGenerator reusable = pool.acquireAndLinkPooled();
    reusable.target.out = out;
    boolean whole = false;
    try {
      body.write(reusable.generator);
      reusable.generator.flush();
      whole = reusable.generator.getOutputContext().inRoot();
    } finally {
      reusable.target.out = null;
      if (whole) {
        reusable.releaseToPool();
      } else {
        reusable.generator.close(); // a document left open: its writes go nowhere now
      }
    }
  }

  @Override
  public ReusableGenerator withPool(RecyclerPool<ReusableGenerator> pool) {
    this.pool = pool;
    return this;
  }

  @Override
  public void releaseToPool() {
    pool.releasePooled(this);
  }

  /** An output stream that forwards to the current borrower's, and drops writes between borrowers. */
  private static final class Target extends OutputStream {
    OutputStream out;

    @Override
    public void write(int b) throws IOException {
      if (out != null) out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (out != null) out.write(b, off, len);
    }
  }
}
