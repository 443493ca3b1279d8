package dev.sluice.server.layout;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The package rules of docs/architecture.md, checked on the compiled main classes of core and server. */
class PackageLayoutTest {
  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      // Core's test classes reach this classpath as its test jar, which the predefined option misses.
      .withImportOption(location -> !location.contains("-tests.jar"))
      .importPackages("dev.sluice");

  @Test
  void readsTheClassesOfCoreAndServer() {
    assertThat(MAIN.contain("dev.sluice.sse.SseParser")).isTrue();
    assertThat(MAIN.contain("dev.sluice.server.SluiceServer")).isTrue();
  }

  @Test
  void noPackageDependsOnItselfThroughAnother() {
    // Each package is its own slice: any cycle between two packages of dev.sluice fails.
    slices().matching("dev.sluice.(**)").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void theServerRootPackageHoldsOnlyTheAssembly() {
    var root = MAIN.stream()
        .filter(c -> c.getPackageName().equals("dev.sluice.server") && c.isTopLevelClass())
        .map(JavaClass::getSimpleName).sorted().toList();
    assertThat(root).hasSizeLessThanOrEqualTo(6);
  }

  @Test
  void coreDependsOnNoServerClass() {
    var leaks = MAIN.stream()
        .filter(c -> !c.getPackageName().startsWith("dev.sluice.server"))
        .flatMap(c -> c.getDirectDependenciesFromSelf().stream())
        .filter(d -> d.getTargetClass().getPackageName().startsWith("dev.sluice.server"))
        .map(d -> d.getDescription()).toList();
    assertThat(leaks).isEmpty();
  }
}
