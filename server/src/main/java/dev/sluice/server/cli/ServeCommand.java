package dev.sluice.server.cli;

import dev.sluice.provider.Provider;
import dev.sluice.server.SluiceServer;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.SluiceConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code sluice serve [--port N] [--host H] [--config FILE]}: runs the gateway until the process is stopped. */
@Command(name = "serve", description = "Start the gateway; it runs until the process is stopped, finishing open streams first.",
    sortOptions = false, sortSynopsis = false)
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--port", paramLabel = "N", converter = PortConverter.class,
      description = "The port to listen on, 0 for any free one (default: SLUICE_PORT, else 8080).")
  Integer port;

  @Option(names = "--host", paramLabel = "H", description = "The address to listen on (default: SLUICE_HOST, else 127.0.0.1).")
  String host;

  @Option(names = "--config", paramLabel = "FILE",
      description = "The YAML configuration (default: SLUICE_CONFIG, else sluice.yaml in the working directory, if there).")
  Path configFile;

  private final Map<String, String> env;

  ServeCommand(Map<String, String> env) {
    this.env = env;
  }

  /** Defaults, then the file, then the environment, then these flags. */
  SluiceConfig config() {
    var b = ConfigLoader.load(configFile, env).toBuilder();
    if (port != null) b.port(port);
    if (host != null) b.host(host);
    return b.build();
  }

  @Override
  public Integer call() throws Exception {
    SluiceConfig config = config();
    var server = SluiceServer.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (Exception e) {
        System.err.println("sluice: error while stopping: " + e);
      }
    }, "sluice-shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    var live = new ArrayList<String>();
    for (Provider p : server.router().providers()) live.add(p.name());
    out.println("Sluice is listening on " + server.baseUri());
    out.println("  chat page:     " + server.baseUri());
    out.println("  OpenAI API:    " + server.baseUri() + "v1/chat/completions");
    out.println("  Responses API: " + server.baseUri() + "v1/responses   (embeddings: v1/embeddings)");
    out.println("  Anthropic API: " + server.baseUri() + "v1/messages");
    out.println("  metrics:       " + server.baseUri() + "metrics"
        + (server.telemetry().tracingEnabled() ? "   (traces: OTLP)" : ""));
    var missing = new ArrayList<String>();
    if (config.openAiApiKey() == null) missing.add("OPENAI_API_KEY");
    if (config.anthropicApiKey() == null) missing.add("ANTHROPIC_API_KEY");
    out.println("  providers:     " + String.join(", ", live)
        + (missing.isEmpty() ? "" : "   (set " + String.join(" or ", missing) + " to enable more)"));
    out.println("  auth:          " + (config.accounting().requireAuth() ? "virtual keys required"
        : "virtual keys required once one exists (create one: ./sluice keys create --name NAME)"));
    out.println("  ledger:        " + config.accounting().dbUrl().replaceAll("(?i)password=[^&;]*", "password=***"));
    server.join();
    return 0;
  }

  /** A TCP port, 0 to 65535. */
  static final class PortConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      try {
        int p = Integer.parseInt(value.trim());
        if (p >= 0 && p <= 65535) return p;
      } catch (NumberFormatException e) {
        // Reported below.
      }
      throw new TypeConversionException("'" + value + "' is not a port number (0-65535)");
    }
  }
}
