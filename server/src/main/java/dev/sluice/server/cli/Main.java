package dev.sluice.server.cli;

import dev.sluice.server.config.Accounting;
import dev.sluice.server.config.ConfigException;
import dev.sluice.server.config.ConfigLoader;
import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Supplier;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The command line, {@code sluice serve|keys|completion|help}, parsed by picocli. Exit status: 0
 * done, 1 failed (a key to revoke that does not exist, an error while running), 2 a usage or
 * configuration error, which names the option or the configuration key.
 */
@Command(name = "sluice", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"A streaming gateway for LLM APIs.", "Configured by sluice.yaml, then environment variables, then flags (see the README)."})
public final class Main {
  public static void main(String[] args) {
    int status = commandLine(System.getenv()).execute(args);
    if (status != 0) System.exit(status);
  }

  /** The whole command tree, reading its configuration from {@code env}. */
  static CommandLine commandLine(Map<String, String> env) {
    return commandLine(env, () -> ConfigLoader.load(null, env).accounting());
  }

  /** The whole command tree; {@code keys} works on the ledger {@code accounting} names. */
  static CommandLine commandLine(Map<String, String> env, Supplier<Accounting> accounting) {
    var cli = new CommandLine(new Main())
        .addSubcommand(new ServeCommand(env))
        .addSubcommand(new KeysCommand(accounting))
        .addSubcommand(new TrainCommand())
        .addSubcommand("completion", new AutoComplete.GenerateCompletion())
        .addSubcommand(new CommandLine.HelpCommand());
    // As the hand-written parser did, a repeated option takes its last value.
    cli.setOverwrittenOptionsAllowed(true);
    cli.setParameterExceptionHandler(Main::usageError);
    cli.setExecutionExceptionHandler(Main::configurationError);
    return cli;
  }

  /**
   * A usage error: what was wrong and, for a typo, the nearest option or command; then the synopsis,
   * or the whole usage where a subcommand is missing. Exit status 2.
   */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    err.println("sluice: " + e.getMessage());
    if (UnmatchedArgumentException.printSuggestions(e, err) || command.getSubcommands().isEmpty()) {
      err.print(command.getHelp().fullSynopsis());
      err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more.");
    } else {
      command.usage(err);
    }
    return command.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** A configuration error (sluice.yaml or the environment) is reported like a usage error, naming the key. */
  private static int configurationError(Exception e, CommandLine command, ParseResult parsed) throws Exception {
    if (!(e instanceof ConfigException)) throw e;
    command.getErr().println("sluice: configuration error: " + e.getMessage());
    return command.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** The version the jar's manifest records. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"sluice " + (version == null ? "(development build)" : version)};
    }
  }
}
