package dev.sluice.usage;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

/** jtokkit 1.1.0, which Sluice counted tokens with before {@link BpeEncoding}: the tests' oracle. */
final class JtokkitOracle {
  static {
    // jtokkit's cl100k_base splitter asserts that its text holds no lone surrogate, a check that a
    // JVM without -ea (production) skips and the test JVM (-ea) makes: the oracle counts as in
    // production. Set before any jtokkit class is initialized; this is the tests' only use of it.
    Encodings.class.getClassLoader().setPackageAssertionStatus("com.knuddels.jtokkit", false);
  }

  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

  private JtokkitOracle() {}

  /** jtokkit's encoding of the same name as {@code encoding}. */
  static Encoding encoding(BpeEncoding encoding) {
    return REGISTRY.getEncoding(EncodingType.fromName(encoding.name()).orElseThrow());
  }

  /** jtokkit's {@code countTokensOrdinary}. */
  static int count(BpeEncoding encoding, String text) {
    return encoding(encoding).countTokensOrdinary(text);
  }
}
