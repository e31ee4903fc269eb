package io.cairn.webapp;

import java.io.File;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The real WAR that `package` built, deployed as it is. */
final class Deployments {
    private Deployments() {
    }

    static WebArchive cairnWar() {
        File war = new File(System.getProperty("cairn.war", "target/cairn.war"));
        if (!war.isFile()) {
            throw new IllegalStateException(war + " is missing: run the package phase first");
        }
        return ShrinkWrap.createFromZipFile(WebArchive.class, war);
    }
}
