package dev.homelab.remediation;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering the build keeps: {@code decision/} and {@code api/} stay pure, no package imports
 * another in a circle, and no main class grows past 400 lines.
 */
class ArchitectureTest {
  static final String BASE = "dev.homelab.remediation";
  static final int MAX_LINES = 400;
  static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(BASE);
  }

  /** What pure code may not touch: I/O, the network, the Kubernetes client, Redis, models. */
  static final DescribedPredicate<JavaClass> IMPURE =
      new DescribedPredicate<>(
          "the Kubernetes client (CustomResource aside), Lettuce, LangChain4j, java.net or"
              + " java.nio.file") {
        @Override
        public boolean test(JavaClass c) {
          String n = c.getName();
          if (n.equals("io.fabric8.kubernetes.client.CustomResource")) {
            return false;
          }
          return n.startsWith("io.fabric8.kubernetes.client.")
              || n.startsWith("io.lettuce.")
              || n.startsWith("dev.langchain4j.")
              || n.startsWith("java.net.")
              || n.startsWith("java.nio.file.");
        }
      };

  @Test
  void decisionAndApiArePure() {
    noClasses()
        .that()
        .resideInAnyPackage(BASE + ".decision..", BASE + ".api..")
        .should()
        .dependOnClassesThat(IMPURE)
        .check(main);
  }

  @Test
  void decisionAndApiDependOnNothingAboveThem() {
    noClasses()
        .that()
        .resideInAnyPackage(BASE + ".decision..", BASE + ".api..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            BASE + ".config..",
            BASE + ".controller..",
            BASE + ".runtime..",
            BASE + ".cli..",
            BASE + ".ingest..",
            BASE + ".llm..",
            BASE + ".dispatch..",
            BASE + ".local..",
            BASE + ".ops..")
        .check(main);
  }

  /**
   * HttpServers turns Nagle's algorithm off and bounds a request's time before the first one (else
   * 40 ms on every answer, and a stalled client holds a thread for good). The tests' fake servers
   * go through it too: the JDK reads both once per process, at the first server, whoever makes it.
   */
  @Test
  void onlyHttpServersOpensAJdkHttpServer() {
    JavaClasses withTests = new ClassFileImporter().importPackages(BASE);
    noClasses()
        .that()
        .doNotHaveFullyQualifiedName(BASE + ".util.HttpServers")
        .should()
        .callMethod(HttpServer.class, "create", InetSocketAddress.class, int.class)
        .orShould()
        .callMethod(HttpServer.class, "create")
        .check(withTests);
  }

  @Test
  void noImportCircleBetweenPackages() {
    slices().matching(BASE + ".(*)..").should().beFreeOfCycles().check(main);
  }

  @Test
  void theRootPackageIsOnlyTheEntryPoint() {
    assertThat(
            main.stream()
                .filter(c -> c.getPackageName().equals(BASE))
                .map(JavaClass::getSimpleName)
                .filter(n -> !n.contains("$"))
                .distinct()
                .toList())
        .containsExactly("RemediationOperatorApp");
    noClasses()
        .that()
        .resideOutsideOfPackage(BASE)
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName(BASE + ".RemediationOperatorApp")
        .check(main);
  }

  @Test
  void noMainSourceFilePassesFourHundredLines() throws IOException {
    List<String> tooLong;
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      tooLong =
          files
              .filter(f -> f.toString().endsWith(".java"))
              .filter(f -> lines(f) > MAX_LINES)
              .map(f -> f + " (" + lines(f) + " lines)")
              .toList();
    }
    assertThat(tooLong).as("main source files over %d lines", MAX_LINES).isEmpty();
  }

  static long lines(Path f) {
    try (Stream<String> s = Files.lines(f)) {
      return s.count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
