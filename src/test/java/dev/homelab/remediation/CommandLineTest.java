package dev.homelab.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The top-level command line: help, and words that are no command. */
class CommandLineTest {
  record Ran(int exit, String out, String err) {}

  static Ran run(String... args) {
    CommandLine cl = RemediationOperatorApp.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Ran(exit, out.toString(), err.toString());
  }

  @Test
  void aMistypedCommandWithHelpIsAnErrorNotTheTopLevelHelp() {
    Ran r = run("decison", "--help");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Unmatched argument", "'decison'");
    assertThat(r.out()).doesNotContain("Commands:");
  }

  @Test
  void aWordACommandDoesNotTakeIsAnErrorWithHelpToo() {
    Ran r = run("list", "extra", "--help");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Unmatched argument", "'extra'");
  }

  @Test
  void helpAloneStillPrintsTheHelpAndSucceeds() {
    Ran top = run("--help");
    assertThat(top.exit()).isZero();
    assertThat(top.out()).contains("Commands:", "run", "approve");
    Ran list = run("list", "--help");
    assertThat(list.exit()).isZero();
    assertThat(list.out()).contains("Usage: remediation-operator list");
  }

  @Test
  void aMistypedCommandAloneIsAnError() {
    Ran r = run("decison");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Unmatched argument", "Did you mean");
  }
}
