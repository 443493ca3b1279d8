package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TrainCommandTest {
  @Test
  void trainingRunServesEveryKindOfRequestAndStops() {
    var err = new StringWriter();
    CommandLine cli = Main.commandLine(Map.of());
    cli.setErr(new PrintWriter(err, true));

    int status = cli.execute("train", "--requests", "3");

    assertThat(err.toString()).isEmpty();
    assertThat(status).isZero();
  }

  @Test
  void trainingIsNotListedInTheUsage() {
    var out = new StringWriter();
    CommandLine cli = Main.commandLine(Map.of());
    cli.setOut(new PrintWriter(out, true));

    cli.execute("--help");

    assertThat(out.toString()).contains("serve").doesNotContain("train");
  }
}
