package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.api.IntArrayList;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BpeVocabularyTest {
  @ParameterizedTest
  @CsvSource({"cl100k_base, 100256", "o200k_base, 199998"})
  void everyTokenIsJtokkitsAndItsBytesLeadBackToItsRank(String name, int size) {
    BpeEncoding encoding = name.equals("cl100k_base") ? BpeEncoding.CL100K_BASE : BpeEncoding.O200K_BASE;
    BpeVocabulary vocabulary = encoding.vocabulary();
    assertThat(vocabulary.size()).isEqualTo(size);
    var jtokkit = JtokkitOracle.encoding(encoding);
    var one = new IntArrayList(1);
    one.add(0);
    for (int rank = 0; rank < size; rank++) {
      byte[] token = vocabulary.token(rank);
      one.set(0, rank);
      assertThat(token).as("token %d", rank).isEqualTo(jtokkit.decodeBytes(one));
      // Within a larger array, to check that lookups respect the bounds they are given.
      byte[] padded = new byte[token.length + 2];
      System.arraycopy(token, 0, padded, 1, token.length);
      assertThat(vocabulary.rank(padded, 1, 1 + token.length)).as("token %d", rank).isEqualTo(rank);
    }
  }

  @ParameterizedTest
  @CsvSource({"cl100k_base", "o200k_base"})
  void bytesThatAreNoTokenHaveNoRank(String name) {
    BpeEncoding encoding = name.equals("cl100k_base") ? BpeEncoding.CL100K_BASE : BpeEncoding.O200K_BASE;
    BpeVocabulary vocabulary = encoding.vocabulary();
    var random = new Random(3);
    for (int i = 0; i < 10_000; i++) {
      byte[] bytes = new byte[16 + random.nextInt(48)];
      random.nextBytes(bytes);
      assertThat(vocabulary.rank(bytes, 0, bytes.length)).isEqualTo(BpeVocabulary.NONE);
    }
    assertThat(vocabulary.rank(new byte[0], 0, 0)).isEqualTo(BpeVocabulary.NONE);
  }

  @ParameterizedTest
  @CsvSource({
      "cl100k_base, 223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
      "o200k_base, 446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"})
  void shipsTiktokensOwnVocabularyFiles(String name, String sha256) throws IOException, NoSuchAlgorithmException {
    // The hashes tiktoken checks its downloads against.
    try (InputStream in = new GZIPInputStream(BpeVocabulary.class.getResourceAsStream("bpe/" + name + ".tiktoken.gz"))) {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(in.readAllBytes());
      assertThat(HexFormat.of().formatHex(digest)).isEqualTo(sha256);
    }
  }

  @Test
  void loadsAVocabularyAtItsFirstCountAndOnlyOnce() throws Exception {
    BpeEncoding encoding = BpeEncoding.O200K_BASE.unloadedTwin();
    assertThat(encoding.holdsVocabulary()).isFalse();
    assertThat(encoding.count("")).isZero();
    assertThat(encoding.holdsVocabulary()).as("an empty text needs no vocabulary").isFalse();

    var start = new CountDownLatch(1);
    Callable<BpeVocabulary> firstUse = () -> {
      start.await();
      BpeVocabulary seen = encoding.vocabulary();
      assertThat(encoding.count("Hello world")).isEqualTo(2);
      return seen;
    };
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      var counts = IntStream.range(0, 8).mapToObj(i -> threads.submit(firstUse)).toList();
      start.countDown();
      BpeVocabulary loaded = counts.getFirst().get();
      for (var count : counts) assertThat(count.get()).isSameAs(loaded);
    }
    assertThat(encoding.holdsVocabulary()).isTrue();
    assertThat(BpeEncoding.CL100K_BASE.unloadedTwin().holdsVocabulary()).isFalse();
  }
}
