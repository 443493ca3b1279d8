package dev.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM flags {@code ./sluice serve} runs the gateway with, read from the same places the launcher
 * reads them: {@code jvm.options} (one flag a line, {@code #} comments), then {@code SLUICE_JAVA_OPTS};
 * and the launcher's ahead-of-time cache when it was made for the current jar. So the bench measures
 * the JVM users run.
 */
final class JvmFlags {
  static final Path OPTIONS = Path.of("jvm.options");
  static final Path AOT_CACHE = Path.of("server", "target", "sluice.aot");

  private JvmFlags() {}

  /** The flags, with the AOT cache if {@code withCache} and the cache is newer than {@code jar}. */
  static List<String> serve(Path jar, boolean withCache) throws IOException {
    var flags = new ArrayList<String>();
    for (String line : Files.readAllLines(OPTIONS)) {
      int comment = line.indexOf('#');
      String flag = (comment >= 0 ? line.substring(0, comment) : line).strip();
      if (!flag.isEmpty()) flags.add(flag);
    }
    if (withCache && cacheFits(jar)) flags.add("-XX:AOTCache=" + AOT_CACHE);
    String user = System.getenv("SLUICE_JAVA_OPTS");
    if (user != null && !user.isBlank()) flags.addAll(Arrays.asList(user.strip().split("\\s+")));
    return flags;
  }

  /** True when the launcher made the cache after the jar was built, as {@code ./sluice serve} checks. */
  static boolean cacheFits(Path jar) throws IOException {
    return Files.isRegularFile(AOT_CACHE)
        && Files.getLastModifiedTime(AOT_CACHE).compareTo(Files.getLastModifiedTime(jar)) > 0;
  }
}
