package dev.sluice.server.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds a {@link SluiceConfig}: defaults, then {@code sluice.yaml}, then environment variables.
 * An unknown key is an error naming it, so a typo never silently falls back to a default.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /**
   * @param configFile the YAML file, or null to use {@code SLUICE_CONFIG}, else {@code ./sluice.yaml} if present
   * @param env the environment (a parameter so that tests need not mutate the process's)
   * @throws ConfigException naming the file, the key and what is expected
   */
  public static SluiceConfig load(Path configFile, Map<String, String> env) {
    Path file = configFile;
    if (file == null && env.get("SLUICE_CONFIG") != null) file = Path.of(env.get("SLUICE_CONFIG"));
    if (file == null && Files.isRegularFile(Path.of("sluice.yaml"))) file = Path.of("sluice.yaml");
    SluiceConfig.Builder b = SluiceConfig.defaults().toBuilder();
    if (file != null) {
      ConfigFile settings = ConfigFileReader.read(file);
      try {
        settings.applyTo(b);
      } catch (ConfigException e) {
        throw new ConfigException(file + ": " + e.getMessage());
      }
    }
    EnvironmentOverrides.applyTo(b, env);
    return b.build();
  }
}
