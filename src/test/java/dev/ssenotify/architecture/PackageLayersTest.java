package dev.ssenotify.architecture;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package map of docs/DESIGN.md ("Code layout"): each layer uses only layers below it,
 * and no two packages depend on each other in a circle.
 */
class PackageLayersTest {

    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.ssenotify");
    }

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("foundations").definedBy("dev.ssenotify.config..", "dev.ssenotify.threads..", "dev.ssenotify.json..")
                .layer("store").definedBy("dev.ssenotify.store..")
                .layer("stream").definedBy("dev.ssenotify.stream..")
                .layer("publish").definedBy("dev.ssenotify.publish..")
                .layer("web").definedBy("dev.ssenotify.web..")
                .layer("features").definedBy("dev.ssenotify.notifications..", "dev.ssenotify.export..",
                        "dev.ssenotify.monitoring..", "dev.ssenotify.retention..", "dev.ssenotify.signin..")
                .layer("app").definedBy("dev.ssenotify.app..")
                .layer("standalone").definedBy("dev.ssenotify.standalone..")
                .whereLayer("standalone").mayNotBeAccessedByAnyLayer()
                .whereLayer("app").mayOnlyBeAccessedByLayers("standalone")
                .whereLayer("features").mayOnlyBeAccessedByLayers("app", "standalone")
                .whereLayer("web").mayOnlyBeAccessedByLayers("features", "app", "standalone")
                .whereLayer("publish").mayOnlyBeAccessedByLayers("web", "features", "app", "standalone")
                .whereLayer("stream").mayOnlyBeAccessedByLayers("publish", "web", "features", "app", "standalone")
                .whereLayer("store").mayOnlyBeAccessedByLayers("stream", "publish", "web", "features", "app", "standalone")
                .check(production);
    }

    @Test
    void foundationsDoNotUseEachOther() {
        slices().matching("dev.ssenotify.(config|threads|json)..").should().notDependOnEachOther()
                .check(production);
    }

    @Test
    void featurePackagesDoNotUseEachOther() {
        slices().matching("dev.ssenotify.(notifications|export|monitoring|retention|signin)..")
                .should().notDependOnEachOther()
                .check(production);
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.ssenotify.(*)..").should().beFreeOfCycles().check(production);
    }
}
