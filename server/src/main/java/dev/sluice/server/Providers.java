package dev.sluice.server;

import dev.sluice.provider.Provider;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.server.config.SluiceConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The providers a configuration makes live: {@code sim} always, the others when configured. */
final class Providers {
  private Providers() {}

  static List<Provider> fromConfig(SluiceConfig config, Map<String, String> env) {
    var providers = new ArrayList<Provider>();
    providers.add(new SimProvider(config.sim()));
    return providers;
  }
}
